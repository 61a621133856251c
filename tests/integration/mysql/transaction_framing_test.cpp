// Issue 13, defect 5: MySQL/MariaDB transaction boundaries beyond BEGIN..COMMIT. A
// prepared XA transaction gives its rows only at XA COMMIT, once, also when the daemon
// restarts in between; XA ROLLBACK gives nothing; a ROLLBACK TO SAVEPOINT (logged when a
// transaction also wrote a non-transactional table) drops the rows since the savepoint
// and does not end the transaction.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

#include "mysql_expect.h"
#include "support/connector_run.h"
#include "support/mysql_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

std::string accounts_mapping(const std::string& database) {
  return "table: " + database + ".accounts\ncustomer:\n  id: id\n  fields:\n    name: name\n";
}

std::string accounts_select(const std::string& database) {
  return "SELECT JSON_OBJECT('id', id, 'name', name) AS doc FROM " + database + ".accounts";
}

void create_accounts(MysqlTestDb& db, const std::string& database) {
  db.fresh_database(database);
  db.exec("CREATE TABLE " + database +
          ".accounts (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL) ENGINE=InnoDB");
}

bool mock_has(const MockServer& mock, long long id) {
  return customers_by_id(mock).contains(std::to_string(id));
}

// An ordinary committed row: once the mock has it, the daemon has read everything the
// binlog holds before it.
void pass_marker(MysqlTestDb& db, const MockServer& mock, const std::string& database,
                 long long id) {
  db.exec("INSERT INTO " + database + ".accounts VALUES (" + std::to_string(id) + ", 'marker')");
  wait_until([&] { return mock_has(mock, id); }, 60s, "marker " + std::to_string(id));
}

// XA START .. XA PREPARE on a connection of its own, then disconnected: the session that
// prepared can run nothing else, and MariaDB keeps the prepared transaction for any
// session to XA COMMIT or XA ROLLBACK.
void prepare(const std::string& database, const std::string& xid, const std::string& values) {
  MysqlTestDb session;
  session.exec("XA START '" + xid + "'; INSERT INTO " + database + ".accounts VALUES " + values +
               "; XA END '" + xid + "'; XA PREPARE '" + xid + "'");
}

// XA COMMIT or XA ROLLBACK from another session. The preparing session's disconnect
// hands its transaction over in the server's own time; until then the xid is unknown
// to other sessions (error 1397, XAER_NOTA), so that answer is polled past.
void resolve(MysqlTestDb& db, const std::string& statement) {
  wait_until(
      [&] {
        try {
          db.exec(statement);
          return true;
        } catch (const std::runtime_error& e) {
          if (std::string_view(e.what()).find("1397") == std::string_view::npos) throw;
          return false;
        }
      },
      30s, statement);
}

std::string stored_gtid_state(const ConnectorRun& connector) {
  std::ifstream in(connector.state_dir() / "mysql_position.json");
  const std::string text(std::istreambuf_iterator<char>(in), {});
  return text.empty() ? "" : nlohmann::json::parse(text).at("gtid_state").get<std::string>();
}

// Whether the MariaDB GTID state `stored` ("0-1-42,1-2-7") is at or past `target` in
// every domain `target` names. Other tests write to the same server meanwhile, so the
// stored state moves on past a state read earlier instead of stopping at it.
bool at_or_past(const std::string& stored, const std::string& target) {
  auto seqs = [](const std::string& state) {
    std::map<std::string, unsigned long long> by_domain;
    std::stringstream in(state);
    for (std::string gtid; std::getline(in, gtid, ',');) {
      const auto first = gtid.find('-');
      const auto last = gtid.rfind('-');
      if (first == std::string::npos || last == first) continue;
      by_domain[gtid.substr(0, first)] = std::stoull(gtid.substr(last + 1));
    }
    return by_domain;
  };
  const auto have = seqs(stored);
  for (const auto& [domain, seq] : seqs(target)) {
    const auto it = have.find(domain);
    if (it == have.end() || it->second < seq) return false;
  }
  return true;
}

size_t files_in(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

}  // namespace

TEST_CASE("mysql: XA COMMIT gives the prepared rows once; XA ROLLBACK gives nothing") {
  const std::string database = "myit_xa";
  MysqlTestDb db;
  create_accounts(db, database);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5301});
  connector.start();

  prepare(database, "committed", "(1, 'committed'), (2, 'committed too')");
  pass_marker(db, mock, database, 1000);
  CHECK_FALSE(mock_has(mock, 1));  // prepared is not committed
  resolve(db, "XA COMMIT 'committed'");

  prepare(database, "rolled", "(3, 'rolled back')");
  resolve(db, "XA ROLLBACK 'rolled'");
  pass_marker(db, mock, database, 1001);
  CHECK_FALSE(mock_has(mock, 3));
  wait_for_mock_to_equal(db, mock, accounts_select(database), database + ".accounts");
  // Once: two markers and the two committed rows, nothing sent twice.
  CHECK(records_applied(mock, "POST /customers") == 4);
  CHECK(connector.terminate() == 0);
  CHECK(files_in(connector.state_dir() / "mysql-xa") == 0);
}

TEST_CASE("mysql: a restart between XA PREPARE and XA COMMIT loses nothing and sends it once") {
  const std::string database = "myit_xa_restart";
  MysqlTestDb db;
  create_accounts(db, database);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5302});
  connector.start();

  prepare(database, "across", "(1, 'across a restart')");
  prepare(database, "undone", "(2, 'rolled back while down')");
  pass_marker(db, mock, database, 1000);
  // The stored position moves past both prepares before the daemon dies: only the rows
  // kept under state_dir can still give XA COMMIT its rows.
  const std::string marker_state = db.query_value("SELECT @@gtid_binlog_pos").value();
  wait_until([&] { return at_or_past(stored_gtid_state(connector), marker_state); }, 30s,
             "the position after the marker to be stored");
  CHECK(files_in(connector.state_dir() / "mysql-xa") == 4);  // rows and mark, twice
  connector.kill();

  resolve(db, "XA COMMIT 'across'");
  resolve(db, "XA ROLLBACK 'undone'");
  connector.start();
  pass_marker(db, mock, database, 1001);
  wait_for_mock_to_equal(db, mock, accounts_select(database), database + ".accounts");
  CHECK_FALSE(mock_has(mock, 2));
  CHECK(records_applied(mock, "POST /customers") == 3);  // two markers and row 1, once
  // Every group's GTID, the prepares' and the resolutions' included, reaches the stored
  // state (other tests' later groups move it on about once a second: wait for it), and
  // the kept rows are gone once their resolution is stored.
  const std::string final_state = db.query_value("SELECT @@gtid_binlog_pos").value();
  wait_until([&] { return at_or_past(stored_gtid_state(connector), final_state); }, 30s,
             "the position after the last marker to be stored");
  CHECK(connector.terminate() == 0);
  CHECK(files_in(connector.state_dir() / "mysql-xa") == 0);
}

TEST_CASE("mysql: ROLLBACK TO SAVEPOINT beside a non-transactional table is no commit") {
  const std::string database = "myit_savepoint";
  MysqlTestDb db;
  create_accounts(db, database);
  db.exec("CREATE TABLE " + database + ".audit (id BIGINT PRIMARY KEY) ENGINE=MyISAM");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = database,
                                .mappings = {{"accounts.yaml", accounts_mapping(database)}},
                                .mysql_server_id = 5303});
  connector.start();

  // The MyISAM write makes the server log the SAVEPOINT and the ROLLBACK TO, with the
  // rolled-back InnoDB row before them.
  db.exec("START TRANSACTION; INSERT INTO " + database +
          ".accounts VALUES (4, 'kept'); SAVEPOINT sp; INSERT INTO " + database +
          ".accounts VALUES (5, 'rolled back to sp'); INSERT INTO " + database +
          ".audit VALUES (5); ROLLBACK TO SAVEPOINT sp; INSERT INTO " + database +
          ".accounts VALUES (6, 'after the savepoint'); COMMIT");
  pass_marker(db, mock, database, 1000);
  wait_for_mock_to_equal(db, mock, accounts_select(database), database + ".accounts");
  CHECK_FALSE(mock_has(mock, 5));
  CHECK(records_applied(mock, "POST /customers") == 3);
  CHECK(connector.terminate() == 0);
}
