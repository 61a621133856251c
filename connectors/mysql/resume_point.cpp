#include "connectors/mysql/resume_point.h"

#include <charconv>

namespace cdc::mysql {

namespace {
constexpr std::string_view kPrefix = "mysql:";
}  // namespace

std::string to_string(const ResumePoint& at) {
  return std::string(kPrefix) + at.file + ":" + std::to_string(at.offset);
}

std::optional<ResumePoint> parse_resume_point(std::string_view text) {
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  // File names have no colon, but split at the last one all the same.
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  ResumePoint at;
  at.file = std::string(text.substr(0, colon));
  const std::string_view digits = text.substr(colon + 1);
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), at.offset);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return at;
}

}  // namespace cdc::mysql
