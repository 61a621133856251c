#include "support/mysql_test_db.h"

#include <stdexcept>

#include "support/test_env.h"

namespace cdc::test {

MysqlTestDb::MysqlTestDb() : MysqlTestDb(test_env("CDC_TEST_MYSQL_DB")) {}

MysqlTestDb::MysqlTestDb(const std::string& database) : connection_(mysql_init(nullptr)) {
  if (!connection_) throw std::runtime_error("mysql_init: out of memory");
  const std::string host = test_env("CDC_TEST_MYSQL_HOST");
  const unsigned port = static_cast<unsigned>(std::stoul(test_env("CDC_TEST_MYSQL_PORT")));
  const std::string user = test_env("CDC_TEST_MYSQL_USER");
  const std::string password = test_env("CDC_TEST_MYSQL_PASSWORD");
  unsigned timeout_seconds = 10;
  mysql_optionsv(connection_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout_seconds);
  mysql_optionsv(connection_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(connection_.get(), host.c_str(), user.c_str(), password.c_str(),
                         database.c_str(), port, nullptr, CLIENT_MULTI_STATEMENTS) == nullptr) {
    throw std::runtime_error("connecting to MariaDB at " + host + ":" + std::to_string(port) +
                             " as " + user + ": " + mysql_error(connection_.get()));
  }
}

void MysqlTestDb::fail(const std::string& sql) {
  throw std::runtime_error(std::string("MariaDB error ") +
                           std::to_string(mysql_errno(connection_.get())) + " (" +
                           mysql_sqlstate(connection_.get()) +
                           "): " + mysql_error(connection_.get()) + "\n  in: " + sql);
}

MysqlTestDb::Result MysqlTestDb::run(const std::string& sql) {
  MYSQL* mysql = connection_.get();
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) fail(sql);
  Result first;
  bool is_first = true;
  while (true) {
    Result result(mysql_store_result(mysql));
    if (!result && mysql_field_count(mysql) != 0) fail(sql);
    if (is_first) first = std::move(result);
    is_first = false;
    int next = mysql_next_result(mysql);
    if (next < 0) break;      // no more results
    if (next > 0) fail(sql);  // a later statement failed
  }
  return first;
}

void MysqlTestDb::exec(const std::string& sql) { run(sql); }

nlohmann::json MysqlTestDb::query_json(const std::string& sql) {
  Result result = run(sql);
  nlohmann::json rows = nlohmann::json::array();
  if (!result) return rows;
  const unsigned columns = mysql_num_fields(result.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    nlohmann::json object = nlohmann::json::object();
    for (unsigned i = 0; i < columns; ++i) {
      object[fields[i].name] =
          row[i] == nullptr ? nlohmann::json() : nlohmann::json(std::string(row[i], lengths[i]));
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

std::optional<std::string> MysqlTestDb::query_value(const std::string& sql) {
  Result result = run(sql);
  MYSQL_ROW row = result ? mysql_fetch_row(result.get()) : nullptr;
  if (row == nullptr || mysql_num_fields(result.get()) == 0) {
    throw std::runtime_error("no value from: " + sql);
  }
  if (row[0] == nullptr) return std::nullopt;
  return std::string(row[0], mysql_fetch_lengths(result.get())[0]);
}

std::string MysqlTestDb::fresh_database(const std::string& name) {
  std::string quoted = "`";
  for (char c : name) quoted += c == '`' ? std::string("``") : std::string(1, c);
  quoted += "`";
  exec("DROP DATABASE IF EXISTS " + quoted + "; CREATE DATABASE " + quoted +
       " CHARACTER SET utf8mb4");
  return name;
}

}  // namespace cdc::test
