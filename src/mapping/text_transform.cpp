#include "mapping/text_transform.h"

namespace cdc::mapping {

std::optional<Transform> parse_transform(std::string_view name) {
  if (name == "lower") return Transform::kLower;
  if (name == "upper") return Transform::kUpper;
  if (name == "trim") return Transform::kTrim;
  return std::nullopt;
}

void apply_transforms(std::string& text, std::span<const Transform> transforms) {
  for (Transform t : transforms) {
    switch (t) {
      case Transform::kLower:
        for (char& c : text) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        break;
      case Transform::kUpper:
        for (char& c : text) {
          if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        }
        break;
      case Transform::kTrim: {
        static constexpr std::string_view kSpace = " \t\n\v\f\r";
        const size_t first = text.find_first_not_of(kSpace);
        if (first == std::string::npos) {
          text.clear();
          break;
        }
        text.erase(text.find_last_not_of(kSpace) + 1);
        text.erase(0, first);
        break;
      }
    }
  }
}

}  // namespace cdc::mapping
