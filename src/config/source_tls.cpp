#include "config/source_tls.h"

#include <array>
#include <utility>

namespace cdc::config {
namespace {

constexpr std::array<std::pair<TlsMode, std::string_view>, 5> kModeNames{{
    {TlsMode::kDisable, "disable"},
    {TlsMode::kPrefer, "prefer"},
    {TlsMode::kRequire, "require"},
    {TlsMode::kVerifyCa, "verify-ca"},
    {TlsMode::kVerifyFull, "verify-full"},
}};

}  // namespace

std::optional<TlsMode> parse_tls_mode(std::string_view text) {
  for (const auto& [mode, name] : kModeNames) {
    if (name == text) return mode;
  }
  return std::nullopt;
}

std::string_view tls_mode_name(TlsMode mode) {
  for (const auto& [m, name] : kModeNames) {
    if (m == mode) return name;
  }
  return "verify-full";
}

bool is_local_host(std::string_view host) {
  return host.empty() || host.front() == '/' || host.front() == '@' || host == "localhost" ||
         host.rfind("127.", 0) == 0 || host == "::1";
}

SourceTls resolve_source_tls(const TlsSettings& given, bool local_host) {
  SourceTls tls;
  tls.mode = given.mode.value_or(local_host ? TlsMode::kPrefer : TlsMode::kVerifyFull);
  tls.ca_path = given.ca_path;
  const bool verifies = tls.mode == TlsMode::kVerifyCa || tls.mode == TlsMode::kVerifyFull;
  if (tls.ca_path.empty() && verifies) tls.ca_path = kSystemCaBundle;
  return tls;
}

}  // namespace cdc::config
