#include "config/postgres_dsn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace cdc::config {
namespace {

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// host and hostaddr may be comma-separated lists (multi-host connection strings).
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t comma = text.find(','); comma != std::string::npos; comma = text.find(',', start)) {
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  items.push_back(text.substr(start));
  return items;
}

// The setting from the string, else from libpq's environment variable unless source.tls
// sets it (the config file wins over the environment), else empty.
std::string setting(const ParsedDsn& parsed, std::string_view keyword, const char* env_name,
                    const EnvLookup& env, bool configured = false) {
  if (const std::string* value = parsed.find(keyword)) return *value;
  if (configured) return "";
  return env(env_name).value_or("");
}

// Every address the connection may go to is this machine (hostaddr wins over host for
// where packets go, as in libpq).
bool connects_locally(const ParsedDsn& parsed, const EnvLookup& env) {
  const auto hosts = split_list(setting(parsed, "host", "PGHOST", env));
  const auto addrs = split_list(setting(parsed, "hostaddr", "PGHOSTADDR", env));
  for (size_t i = 0; i < std::max(hosts.size(), addrs.size()); ++i) {
    const std::string& addr = i < addrs.size() ? addrs[i] : std::string();
    const std::string& host = i < hosts.size() ? hosts[i] : std::string();
    if (!is_local_host(addr.empty() ? host : addr)) return false;
  }
  return true;
}

void append_pair(std::string& out, std::string_view keyword, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += keyword;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

const std::string* ParsedDsn::find(std::string_view keyword) const {
  for (const auto& [key, value] : options) {
    if (key == keyword) return &value;
  }
  return nullptr;
}

ParsedDsn parse_postgres_dsn(const std::string& dsn) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(PQconninfoParse(dsn.c_str(), &error));
  // libpq's message may quote part of the string, which may be the password.
  if (error != nullptr) PQfreemem(error);
  if (!options) {
    throw std::invalid_argument(
        "is not a valid libpq connection string (key=value pairs or a postgresql:// URI)");
  }
  ParsedDsn parsed;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) parsed.options.emplace_back(o->keyword, o->val);
  }
  return parsed;
}

PostgresDsn apply_postgres_tls(const std::string& dsn, const ParsedDsn& parsed,
                               const TlsSettings& given, const EnvLookup& env) {
  const std::string own_mode = setting(parsed, "sslmode", "PGSSLMODE", env, given.mode.has_value());
  const std::string own_ca =
      setting(parsed, "sslrootcert", "PGSSLROOTCERT", env, !given.ca_path.empty());
  TlsSettings wanted = given;
  if (!own_mode.empty()) {
    // "allow" (TLS only if the server insists) protects no more than prefer.
    wanted.mode = parse_tls_mode(own_mode == "allow" ? "prefer" : own_mode);
  }
  if (!own_ca.empty()) wanted.ca_path = own_ca;
  PostgresDsn out{dsn, resolve_source_tls(wanted, connects_locally(parsed, env))};
  const bool add_mode =
      own_mode.empty() && (given.mode.has_value() || out.tls.mode != TlsMode::kPrefer);
  const bool add_ca = own_ca.empty() && !out.tls.ca_path.empty();
  if (!add_mode && !add_ca) return out;
  out.dsn.clear();
  for (const auto& [keyword, value] : parsed.options) append_pair(out.dsn, keyword, value);
  if (add_mode) append_pair(out.dsn, "sslmode", tls_mode_name(out.tls.mode));
  if (add_ca) append_pair(out.dsn, "sslrootcert", out.tls.ca_path);
  return out;
}

}  // namespace cdc::config
