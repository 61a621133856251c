// A MariaDB Connector/C connection to the test MariaDB (CDC_TEST_MYSQL_*) with the few
// operations integration tests need to set up and inspect a database.
#pragma once

#include <mysql.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace cdc::test {

// Failures throw std::runtime_error carrying the server's message and the SQL. One object
// per thread.
class MysqlTestDb {
 public:
  // Connects over TCP with CDC_TEST_MYSQL_HOST/PORT/USER/PASSWORD to database
  // CDC_TEST_MYSQL_DB (or `database` when given); fails the test case when they are not
  // set. The connection uses utf8mb4.
  MysqlTestDb();
  explicit MysqlTestDb(const std::string& database);

  MYSQL* handle() { return connection_.get(); }

  // Runs one or more statements separated by semicolons, discarding any results.
  void exec(const std::string& sql);
  // The rows of the first result as a JSON array of objects, column name to the value's
  // text form or null.
  nlohmann::json query_json(const std::string& sql);
  // The first column of the first row, nullopt for NULL. Throws when there is no row.
  std::optional<std::string> query_value(const std::string& sql);

  // Drops database `name` with everything in it, creates it empty (utf8mb4) and returns
  // `name`. The connection's default database does not change.
  std::string fresh_database(const std::string& name);

 private:
  struct Close {
    void operator()(MYSQL* mysql) const { mysql_close(mysql); }
  };
  struct FreeResult {
    void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
  };
  using Result = std::unique_ptr<MYSQL_RES, FreeResult>;

  [[noreturn]] void fail(const std::string& sql);
  // Sends `sql`, keeps the first result set and drains the others.
  Result run(const std::string& sql);

  std::unique_ptr<MYSQL, Close> connection_;
};

}  // namespace cdc::test
