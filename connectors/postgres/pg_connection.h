// One owner for a libpq connection, and the few queries the connector runs through it.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::pg {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// A query result: rows of nullable text values.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// Move-only libpq connection. Session settings make the server print values the way
// the value parser expects (ISO dates, UTC, round-trip floats, hex bytea), on both
// ordinary and replication connections.
//
// Errors: connect and query failures throw cdc::SourceError with the server's message
// and SQLSTATE, never the connection string (it may hold a password).
class PgConnection {
 public:
  enum class Mode { kNormal, kReplication };

  static PgConnection connect(const std::string& dsn, Mode mode);

  PGconn* raw() const { return conn_.get(); }
  int server_version() const { return PQserverVersion(conn_.get()); }

  // Runs `sql` (no parameters) and returns its rows. Throws SourceError on failure.
  QueryResult query(const std::string& sql) const;
  // Runs `sql` with text parameters $1.. and returns its rows.
  QueryResult query(const std::string& sql, const std::vector<std::string>& params) const;
  // Runs a command that returns no rows.
  void exec(const std::string& sql) const;

  std::string quote_identifier(std::string_view name) const;
  std::string quote_literal(std::string_view text) const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  std::unique_ptr<PGconn, PgConnDeleter> conn_;
};

// "schema.table" with each part quoted.
std::string quote_table(const PgConnection& conn, std::string_view schema, std::string_view table);

}  // namespace cdc::pg
