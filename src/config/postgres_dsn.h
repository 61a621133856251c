// The PostgreSQL connection string as every connection of the connector uses it: parsed
// by libpq's own parser at load, with source.tls applied, so each caller (stream,
// snapshot, status, the HA lock) gets TLS right just by passing `dsn` on.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/env_expand.h"
#include "config/source_tls.h"

namespace cdc::config {

// The keywords a connection string sets (key=value or postgresql:// URI), in libpq's order.
struct ParsedDsn {
  std::vector<std::pair<std::string, std::string>> options;

  const std::string* find(std::string_view keyword) const;
};

// Throws std::invalid_argument when libpq cannot parse `dsn`; the message never quotes
// it, since it may hold a password.
ParsedDsn parse_postgres_dsn(const std::string& dsn);

struct PostgresDsn {
  std::string dsn;  // what to connect with
  SourceTls tls;    // what it asks of TLS
};

// TLS settings in the connection string (sslmode, sslrootcert) or libpq's environment
// (PGSSLMODE, PGSSLROOTCERT) are the user's and stay as they are; `given` (source.tls)
// fills the rest, then the defaults of resolve_source_tls(), judging locality by host and
// hostaddr (else PGHOST, PGHOSTADDR). When something is added, the result is the parsed
// keywords rewritten as key='value' pairs with sslmode and sslrootcert appended;
// otherwise `dsn` unchanged. Conflicts between `given` and the string are the caller's to
// refuse first.
PostgresDsn apply_postgres_tls(const std::string& dsn, const ParsedDsn& parsed,
                               const TlsSettings& given, const EnvLookup& env);

}  // namespace cdc::config
