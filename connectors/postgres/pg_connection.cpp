#include "connectors/postgres/pg_connection.h"

#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/errors.h"

namespace cdc::pg {
namespace {

// Output formats the value parser relies on; set per session so a server default or a
// role setting cannot change what we parse.
constexpr const char* kSessionOptions =
    "-c datestyle=ISO,YMD -c timezone=UTC -c extra_float_digits=3 -c bytea_output=hex "
    "-c intervalstyle=postgres -c client_encoding=UTF8";

std::string trimmed_error(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

[[noreturn]] void throw_result_error(const PGresult* result, const std::string& what) {
  std::string message = PQresultErrorMessage(result);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  throw SourceError(what + ": " + message +
                    (sqlstate != nullptr ? std::string(" (SQLSTATE ") + sqlstate + ")" : ""));
}

QueryResult to_rows(const PGresult* result) {
  QueryResult out;
  const int ncols = PQnfields(result);
  const int nrows = PQntuples(result);
  out.columns.reserve(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) out.columns.emplace_back(PQfname(result, c));
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    auto& row = out.rows.emplace_back();
    row.reserve(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(result, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(result, r, c), static_cast<size_t>(PQgetlength(result, r, c))));
      }
    }
  }
  return out;
}

}  // namespace

PgConnection PgConnection::connect(const std::string& dsn, Mode mode) {
  // expand_dbname: the first "dbname" value is the user's whole connection string (key
  // value or URI); the later keywords override what it says.
  std::vector<const char*> keywords = {"dbname", "options", "fallback_application_name"};
  std::vector<const char*> values = {dsn.c_str(), kSessionOptions, "retainly-cdc"};
  if (mode == Mode::kReplication) {
    keywords.push_back("replication");
    values.push_back("database");
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) throw SourceError("PostgreSQL: out of memory while connecting");
  PgConnection result(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    throw SourceDisconnected("cannot connect to PostgreSQL: " + trimmed_error(conn));
  }
  return result;
}

QueryResult PgConnection::query(const std::string& sql) const {
  PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw_result_error(result.get(), "PostgreSQL query failed");
  }
  return to_rows(result.get());
}

QueryResult PgConnection::query(const std::string& sql,
                                const std::vector<std::string>& params) const {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResultPtr result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw_result_error(result.get(), "PostgreSQL query failed");
  }
  return to_rows(result.get());
}

void PgConnection::exec(const std::string& sql) const { query(sql); }

std::string PgConnection::quote_identifier(std::string_view name) const {
  char* quoted = PQescapeIdentifier(conn_.get(), name.data(), name.size());
  if (quoted == nullptr)
    throw SourceError("cannot quote identifier: " + trimmed_error(conn_.get()));
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

std::string PgConnection::quote_literal(std::string_view text) const {
  char* quoted = PQescapeLiteral(conn_.get(), text.data(), text.size());
  if (quoted == nullptr) throw SourceError("cannot quote literal: " + trimmed_error(conn_.get()));
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

std::string quote_table(const PgConnection& conn, std::string_view schema, std::string_view table) {
  return conn.quote_identifier(schema) + "." + conn.quote_identifier(table);
}

}  // namespace cdc::pg
