// A libpqxx connection to the test PostgreSQL (CDC_TEST_PG_DSN) with the few operations
// integration tests need to set up and inspect a database.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>

namespace cdc::test {

// SQL errors throw pqxx exceptions, which doctest reports with the server's message.
// One object per thread.
class PgTestDb {
 public:
  // Connects with CDC_TEST_PG_DSN; fails the test case when it is not set.
  PgTestDb();
  explicit PgTestDb(std::string dsn);

  const std::string& dsn() const { return dsn_; }
  pqxx::connection& connection() { return *connection_; }

  // Runs one or more statements outside any transaction block (each commits by itself).
  void exec(const std::string& sql);
  // The rows of a query as a JSON array of objects, column name to the value's text form
  // (as psql prints it) or null.
  nlohmann::json query_json(const std::string& sql);
  // The rows of `select` as JSON objects (column name to value, as to_json gives them),
  // keyed by their "id" column as text: what a mock holding the rows as customers equals.
  std::map<std::string, nlohmann::json> rows_by_id(const std::string& select);
  // The first column of the first row, nullopt for NULL. Throws when there is no row.
  std::optional<std::string> query_value(const std::string& sql);

  // Drops schema `name` with everything in it, creates it empty and returns `name`.
  std::string fresh_schema(const std::string& name);
  // Drops every replication slot and publication whose name starts with `prefix`, so a
  // test starts clean and leaves nothing behind. Slots still in use get their walsender
  // terminated first. An empty prefix is refused (std::invalid_argument).
  void drop_replication_objects(const std::string& prefix);

 private:
  std::string dsn_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace cdc::test
