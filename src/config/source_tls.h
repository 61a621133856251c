// TLS to the source database: the `source.tls` section, one vocabulary for PostgreSQL and
// MySQL/MariaDB, and the default that verifies every connection leaving the machine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cdc::config {

// Named after libpq's sslmode values, which say what each one protects against:
//   disable      no TLS
//   prefer       TLS when the server offers it, unverified (libpq's own default)
//   require      TLS, the server's certificate not verified
//   verify-ca    TLS, the certificate signed by a trusted CA
//   verify-full  TLS, trusted CA and the host name matching the certificate
enum class TlsMode { kDisable, kPrefer, kRequire, kVerifyCa, kVerifyFull };

// What `source.tls` says; unset fields were not given.
struct TlsSettings {
  std::optional<TlsMode> mode;
  std::string ca_path;  // absolute, readable; empty: not given
};

// What the connection will use, once defaults are applied.
struct SourceTls {
  TlsMode mode = TlsMode::kVerifyFull;
  // CA bundle the server's certificate is verified against; empty with kDisable, kPrefer
  // and kRequire unless given.
  std::string ca_path;
};

// Debian's bundle of the CAs the system trusts (package ca-certificates).
inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

std::optional<TlsMode> parse_tls_mode(std::string_view text);  // "verify-full" -> kVerifyFull
std::string_view tls_mode_name(TlsMode mode);

// True for connections that never leave this machine: a Unix socket path ("/run/..."
// or "@abstract"), an empty host (the default socket), "localhost", 127.0.0.0/8 and ::1.
bool is_local_host(std::string_view host);

// The defaults: the given mode, else verify-full for a remote host and prefer for a
// local one (TLS on loopback protects nothing); the given CA, else the system bundle
// when the mode verifies.
SourceTls resolve_source_tls(const TlsSettings& given, bool local_host);

}  // namespace cdc::config
