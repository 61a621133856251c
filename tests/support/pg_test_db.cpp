#include "support/pg_test_db.h"

#include <chrono>
#include <stdexcept>

#include "support/test_env.h"
#include "support/wait_until.h"

namespace cdc::test {

PgTestDb::PgTestDb() : PgTestDb(test_env("CDC_TEST_PG_DSN")) {}

PgTestDb::PgTestDb(std::string dsn)
    : dsn_(std::move(dsn)), connection_(std::make_unique<pqxx::connection>(dsn_)) {}

void PgTestDb::exec(const std::string& sql) {
  pqxx::nontransaction work(*connection_);
  work.exec(sql);
}

nlohmann::json PgTestDb::query_json(const std::string& sql) {
  pqxx::nontransaction work(*connection_);
  pqxx::result result = work.exec(sql);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& field : row) {
      object[field.name()] = field.is_null() ? nlohmann::json() : nlohmann::json(field.c_str());
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

std::optional<std::string> PgTestDb::query_value(const std::string& sql) {
  pqxx::nontransaction work(*connection_);
  pqxx::result result = work.exec(sql);
  if (result.empty() || result.columns() == 0) {
    throw std::runtime_error("no value from: " + sql);
  }
  if (result[0][0].is_null()) return std::nullopt;
  return std::string(result[0][0].c_str());
}

std::string PgTestDb::fresh_schema(const std::string& name) {
  const std::string quoted = connection_->quote_name(name);
  exec("DROP SCHEMA IF EXISTS " + quoted + " CASCADE; CREATE SCHEMA " + quoted);
  return name;
}

void PgTestDb::drop_replication_objects(const std::string& prefix) {
  if (prefix.empty()) {
    throw std::invalid_argument("drop_replication_objects needs a non-empty name prefix");
  }
  {
    pqxx::nontransaction work(*connection_);
    work.exec_params(
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
        "WHERE starts_with(slot_name, $1) AND active_pid IS NOT NULL",
        prefix);
  }
  // A slot is released only once its walsender has gone.
  wait_until(
      [&] {
        pqxx::nontransaction work(*connection_);
        return work.exec_params1(
                       "SELECT count(*) FROM pg_replication_slots "
                       "WHERE starts_with(slot_name, $1) AND active",
                       prefix)[0]
                   .as<int>() == 0;
      },
      std::chrono::seconds(30), "replication slots named " + prefix + "* to become inactive");
  pqxx::nontransaction work(*connection_);
  work.exec_params(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
      "WHERE starts_with(slot_name, $1)",
      prefix);
  for (const auto& row : work.exec_params(
           "SELECT pubname FROM pg_publication WHERE starts_with(pubname, $1)", prefix)) {
    work.exec("DROP PUBLICATION IF EXISTS " + connection_->quote_name(row[0].c_str()));
  }
}

std::map<std::string, nlohmann::json> PgTestDb::rows_by_id(const std::string& select) {
  std::map<std::string, nlohmann::json> rows;
  const auto all = nlohmann::json::parse(
      *query_value("SELECT coalesce(json_agg(r), '[]')::text FROM (" + select + ") r"));
  for (const auto& row : all) rows[row.at("id").dump()] = row;
  return rows;
}

}  // namespace cdc::test
