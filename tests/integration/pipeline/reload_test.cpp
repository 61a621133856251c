// SIGHUP (systemctl reload) re-reads the mappings without a restart: a new field applies
// from the next transaction on, a broken set changes nothing and loses nothing, and a
// newly mapped table is published (PostgreSQL) or read (MySQL) and snapshotted.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/connector_run.h"
#include "support/health_probe.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kAccounts = R"yaml(table: pgit_reload.accounts
customer:
  id: id
  fields: { name: name }
)yaml";

void write_mapping(const ConnectorRun& connector, const std::string& file,
                   const std::string& text) {
  const auto path = connector.config_path().parent_path() / "mappings" / file;
  const auto scratch = path.string() + ".new";
  std::ofstream(scratch) << text;
  std::filesystem::rename(scratch, path);  // whole, as an editor's save or a deploy is
}

// Sends SIGHUP and waits for the outcome's log line.
void reload(ConnectorRun& connector, const std::string& outcome) {
  const auto mark = connector.process().mark();
  connector.process().signal(SIGHUP);
  connector.process().wait_for_line(outcome, 60s, mark);
}

// Customer `id`'s fields in the mock, without the id; null when it has none.
nlohmann::json customer(const MockServer& mock, const std::string& id) {
  const auto customers = customers_by_id(mock);
  auto found = customers.find(id);
  if (found == customers.end()) return nullptr;
  nlohmann::json fields = found->second;
  fields.erase("id");
  return fields;
}

}  // namespace

TEST_CASE("reload postgres: a new field applies from the next transaction on") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_reload");
  db.fresh_schema("pgit_reload");
  db.exec("CREATE TABLE pgit_reload.accounts (id bigint PRIMARY KEY, name text, plan text)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_reload",
                                .mappings = {{"accounts.yaml", kAccounts}},
                                .extra_config = "metrics: 127.0.0.1:0\n"});
  connector.start();
  const int port = connector.metrics_port();
  db.exec("INSERT INTO pgit_reload.accounts VALUES (1, 'ann', 'free')");
  wait_until(
      [&] {
        return customer(mock, "1") == nlohmann::json{{"name", "ann"}};
      },
      30s, "customer 1 with its name only");

  write_mapping(connector, "accounts.yaml",
                "table: pgit_reload.accounts\ncustomer:\n  id: id\n  fields: { name: name, plan: "
                "plan }\n");
  reload(connector, "reload applied");
  CHECK(connector.process().find_line("mappings of pgit_reload.accounts changed").has_value());
  db.exec("INSERT INTO pgit_reload.accounts VALUES (2, 'bob', 'pro')");
  wait_until(
      [&] {
        return customer(mock, "2") == nlohmann::json{{"name", "bob"}, {"plan", "pro"}};
      },
      30s, "customer 2 with the new field");
  CHECK(customer(mock, "1") == nlohmann::json{{"name", "ann"}});  // sent before: as it was
  CHECK(metric(port, "retainly_cdc_mapping_reloads_total{result=\"applied\"}") == 1);

  SUBCASE("a broken set changes nothing and loses nothing; fixing it applies") {
    write_mapping(connector, "accounts.yaml",
                  "table: pgit_reload.accounts\ncustomer:\n  id: id\n  fields: { name: nickname "
                  "}\n");
    reload(connector, "reload failed; the running mappings stay");
    CHECK(connector.process().find_line("has no column \"nickname\"").has_value());
    CHECK(metric(port, "retainly_cdc_mapping_reload_failed") == 1);
    CHECK(metric(port, "retainly_cdc_mapping_reloads_total{result=\"failed\"}") == 1);
    const auto ready = http_get(port, "/readyz");
    CHECK(ready.status == 200);  // it still streams, with the previous mappings
    CHECK(ready.body.find("the latest mapping reload failed") != std::string::npos);
    db.exec("INSERT INTO pgit_reload.accounts VALUES (3, 'cy', 'team')");
    db.exec("UPDATE pgit_reload.accounts SET plan = 'team', name = 'ann2' WHERE id = 1");
    wait_until(
        [&] {
          return customer(mock, "3") == nlohmann::json{{"name", "cy"}, {"plan", "team"}} &&
                 customer(mock, "1") == nlohmann::json{{"name", "ann2"}, {"plan", "team"}};
        },
        30s, "changes after the failed reload, mapped by the running set");

    write_mapping(connector, "accounts.yaml", kAccounts);
    reload(connector, "reload applied");
    CHECK(metric(port, "retainly_cdc_mapping_reload_failed") == 0);
    CHECK(http_get(port, "/readyz").body == "ready\n");
  }
  SUBCASE("a set the source's row images cannot serve is rejected; allow_partial accepts it") {
    // Entering or leaving the where decides the event, and the default replica identity
    // does not log plan in old rows.
    const std::string filtered =
        "table: pgit_reload.accounts\nwhere: plan != 'free'\ncustomer:\n  id: id\n  fields: { "
        "name: name }\nevents:\n  - { name: joined, on: insert }\n";
    write_mapping(connector, "accounts.yaml", filtered);
    reload(connector, "reload failed; the running mappings stay");
    CHECK(connector.process()
              .find_line("accounts.yaml: table pgit_reload.accounts: reads plan in a where with "
                         "events, which REPLICA IDENTITY DEFAULT does not log")
              .has_value());
    db.exec("INSERT INTO pgit_reload.accounts VALUES (3, 'cy', 'free')");
    wait_until(
        [&] {
          return customer(mock, "3") == nlohmann::json{{"name", "cy"}, {"plan", "free"}};
        },
        30s, "customer 3 mapped by the running set (no where, the plan field)");

    write_mapping(connector, "accounts.yaml", "allow_partial: true\n" + filtered);
    const auto mark = connector.process().mark();
    reload(connector, "reload applied");
    CHECK(connector.process()
              .find_line("reload: .*accepted by allow_partial: true", mark)
              .has_value());
  }
  CHECK(connector.terminate() == 0);
}

TEST_CASE("reload postgres: a newly mapped table joins the publication and is snapshotted") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_reload_add");
  db.fresh_schema("pgit_reload_add");
  db.exec("CREATE TABLE pgit_reload_add.users (id bigint PRIMARY KEY, name text)");
  db.exec("CREATE TABLE pgit_reload_add.pets (id bigint PRIMARY KEY, kind text)");
  db.exec("INSERT INTO pgit_reload_add.pets VALUES (101, 'cat'), (102, 'dog')");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_reload_add",
                                .mappings = {{"users.yaml",
                                              "table: pgit_reload_add.users\ncustomer: { id: id, "
                                              "fields: { name: name } }\n"}},
                                .snapshot = "initial"});
  connector.start();
  auto published = [&] {
    return db.query_value(
        "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
        "WHERE pubname = 'cdc_it_reload_add'");
  };
  CHECK(published() == "users");

  write_mapping(connector, "pets.yaml",
                "table: pgit_reload_add.pets\ncustomer: { id: id, fields: { kind: kind } }\n");
  reload(connector, "reload applied");
  CHECK(published() == "pets,users");
  db.exec("INSERT INTO pgit_reload_add.pets VALUES (103, 'owl')");
  wait_until(
      [&] {
        return customer(mock, "101") == nlohmann::json{{"kind", "cat"}} &&
               customer(mock, "102") == nlohmann::json{{"kind", "dog"}} &&
               customer(mock, "103") == nlohmann::json{{"kind", "owl"}};
      },
      60s, "the new table's rows (snapshot) and changes");
  CHECK(connector.terminate() == 0);
}

TEST_CASE("reload mysql: a newly mapped table is read from the binlog and snapshotted") {
  MysqlTestDb db;
  db.fresh_database("myit_reload");
  db.exec("CREATE TABLE myit_reload.users (id BIGINT PRIMARY KEY, name VARCHAR(40))");
  db.exec("CREATE TABLE myit_reload.pets (id BIGINT PRIMARY KEY, kind VARCHAR(40))");
  db.exec("INSERT INTO myit_reload.pets VALUES (201, 'cat')");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml",
                                              "table: myit_reload.users\ncustomer: { id: id, "
                                              "fields: { name: name } }\n"}},
                                .snapshot = "initial",
                                .mysql_server_id = 6301});
  connector.start();
  db.exec("INSERT INTO myit_reload.users VALUES (1, 'ann')");
  db.exec("INSERT INTO myit_reload.pets VALUES (202, 'dog')");  // not mapped yet
  wait_until(
      [&] {
        return customer(mock, "1") == nlohmann::json{{"name", "ann"}};
      },
      30s, "customer 1");
  CHECK(customer(mock, "202").is_null());

  write_mapping(connector, "pets.yaml",
                "table: myit_reload.pets\ncustomer: { id: id, fields: { kind: kind } }\n");
  reload(connector, "reload applied");
  db.exec("INSERT INTO myit_reload.pets VALUES (203, 'owl')");
  wait_until(
      [&] {
        return customer(mock, "201") == nlohmann::json{{"kind", "cat"}} &&
               customer(mock, "202") == nlohmann::json{{"kind", "dog"}} &&
               customer(mock, "203") == nlohmann::json{{"kind", "owl"}};
      },
      60s, "the new table's rows (snapshot) and changes");
  CHECK(connector.terminate() == 0);
}

TEST_CASE("reload: a changed source or sink is named as needing a restart and not applied") {
  PgTestDb db;
  db.drop_replication_objects("cdc_it_reload_keys");
  db.fresh_schema("pgit_reload_keys");
  db.exec("CREATE TABLE pgit_reload_keys.users (id bigint PRIMARY KEY, name text)");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = "cdc_it_reload_keys",
                                .mappings = {{"users.yaml",
                                              "table: pgit_reload_keys.users\ncustomer: { id: id, "
                                              "fields: { name: name } }\n"}}});
  connector.start();
  std::string text;
  {
    std::ifstream in(connector.config_path());
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("  url: ");
  REQUIRE(at != std::string::npos);
  text.insert(at, "  concurrency: 3\n");
  std::ofstream(connector.config_path()) << text;
  reload(connector, "reload applied");
  CHECK(connector.process()
            .find_line("reload: sink.concurrency changed in .*needs a restart")
            .has_value());
  db.exec("INSERT INTO pgit_reload_keys.users VALUES (1, 'ann')");
  wait_until(
      [&] {
        return customer(mock, "1") == nlohmann::json{{"name", "ann"}};
      },
      30s, "customer 1 after the reload");
  CHECK(connector.terminate() == 0);
}
