// The connector against tests/support/mysql_wire_server streaming binlog events the test
// makes (tests/support/binlog_builder.h) where no recorded file has them: a generated
// invisible primary key (MySQL 8.0.30+, sql_generate_invisible_primary_key=ON), and the
// snapshot's watermark rows, which the server writes into the live binlog when the
// connector's INSERT arrives.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>

#include "support/binlog_builder.h"
#include "support/mysql_wire_scripts.h"
#include "support/wait_until.h"
#include "wire_harness.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// CREATE TABLE app.accounts (email VARCHAR(100), plan VARCHAR(20)) with
// sql_generate_invisible_primary_key=ON: MySQL 8.0.30 adds `my_row_id BIGINT UNSIGNED NOT
// NULL AUTO_INCREMENT INVISIBLE` as the first column and makes it the primary key.
wire::BuiltTable gipk_table(bool full_metadata) {
  return {.id = 120,
          .schema = "app",
          .table = "accounts",
          .columns = {{.name = "my_row_id",
                       .type = wire::kTypeLongLong,
                       .is_unsigned = true,
                       .nullable = false,
                       .visible = false},
                      {.name = "email", .type = wire::kTypeVarchar, .max_bytes = 400},
                      {.name = "plan", .type = wire::kTypeVarchar, .max_bytes = 80}},
          .primary_key = {0},
          .full_metadata = full_metadata};
}

// Two INSERTs that name only the visible columns; the server numbered the rows.
void append_gipk_rows(MysqlWireServer& server, bool full_metadata) {
  const auto table = gipk_table(full_metadata);
  server.append_events(
      wire::insert_transaction(table, {{"1", "ann@example.com", "pro"}}, {.xid = 11}));
  server.append_events(
      wire::insert_transaction(table, {{"2", "bob@example.com", std::nullopt}}, {.xid = 12}));
}

constexpr const char* kGipkMapping = R"yaml(table: app.accounts
events:
  - name: account_created
    on: insert
    customer_id: my_row_id
    data: { email: email, plan: plan }
)yaml";

std::vector<json> gipk_events() {
  return {
      {{"event", "account_created"},
       {"customer_id", 1},
       {"data", {{"email", "ann@example.com"}, {"plan", "pro"}}}},
      {{"event", "account_created"},
       {"customer_id", 2},
       {"data", {{"email", "bob@example.com"}, {"plan", nullptr}}}},
  };
}

}  // namespace

TEST_CASE("mysql wire: a generated invisible primary key named by full metadata") {
  // The table map names my_row_id, marks it invisible and the primary key: the catalog
  // is not asked, and my_row_id is a column like the others.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  append_gipk_rows(server, true);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6301, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  check_events(mock, connector, gipk_events());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire: a generated invisible primary key with minimal metadata, from the catalog") {
  // binlog_row_metadata=MINIMAL: names and key come from information_schema, which lists
  // my_row_id (show_gipk_in_create_table_and_information_schema=ON, the default) in its
  // place, COLUMN_KEY PRI, EXTRA 'auto_increment INVISIBLE'.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_catalog(server, "app", "accounts",
                 {{"my_row_id", "bigint unsigned", "", "PRI"},
                  {"email", "varchar(100)", "utf8mb4", ""},
                  {"plan", "varchar(20)", "utf8mb4", ""}});
  append_gipk_rows(server, false);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6302, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  check_events(mock, connector, gipk_events());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

TEST_CASE("mysql wire: a generated invisible primary key hidden from the catalog is named") {
  // show_gipk_in_create_table_and_information_schema=OFF hides my_row_id from
  // information_schema: with minimal metadata the binlog has a column more than the
  // catalog. The change cannot be read; the message must say why and what to set, and
  // setting it must be enough.
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_catalog(
      server, "app", "accounts",
      {{"email", "varchar(100)", "utf8mb4", ""}, {"plan", "varchar(20)", "utf8mb4", ""}});
  append_gipk_rows(server, false);
  MockServer mock;
  ConnectorRun connector(mock, wire_setup(server, 6303, {{"accounts.yaml", kGipkMapping}}));
  connector.start();
  const auto line = connector.process().wait_for_line("3 columns in the binlog but 2", 60s);
  CHECK(line.line.find("show_gipk_in_create_table_and_information_schema") != std::string::npos);
  CHECK(line.line.find("SET PERSIST it ON") != std::string::npos);
  CHECK(line.line.find("binlog_row_metadata=FULL") != std::string::npos);
  CHECK(connector.process().wait_exit(30s) != 0);
  CHECK(mock.state().at("events").empty());

  // SET PERSIST show_gipk_in_create_table_and_information_schema = ON: the catalog lists
  // my_row_id, and a new start reads the events it stopped at.
  script_catalog(server, "app", "accounts",
                 {{"my_row_id", "bigint unsigned", "", "PRI"},
                  {"email", "varchar(100)", "utf8mb4", ""},
                  {"plan", "varchar(20)", "utf8mb4", ""}});
  connector.start();
  check_events(mock, connector, gipk_events());
  CHECK(connector.terminate() == 0);
  check_conversation(server);
}

namespace {

// app.users (id INT PRIMARY KEY, email VARCHAR(100)) as the binlog names it.
wire::BuiltTable users_table() {
  return {.id = 130,
          .schema = "app",
          .table = "users",
          .columns = {{.name = "id", .type = wire::kTypeLong, .nullable = false},
                      {.name = "email", .type = wire::kTypeVarchar, .max_bytes = 400}},
          .primary_key = {0}};
}

// retainly_cdc.watermarks (id TINYINT PRIMARY KEY, value VARCHAR(200) NOT NULL), the
// table BinlogAdmin::ensure_watermark_table creates.
wire::BuiltTable watermark_table() {
  return {.id = 131,
          .schema = "retainly_cdc",
          .table = "watermarks",
          .columns =
              {{.name = "id", .type = wire::kTypeTiny, .nullable = false},
               {.name = "value", .type = wire::kTypeVarchar, .max_bytes = 800, .nullable = false}},
          .primary_key = {0}};
}

// The page a snapshot chunk reads: every column, then the key again (MysqlTableReader).
wire::ResultSet users_page(const std::vector<wire::BuiltRow>& rows) {
  wire::ResultSet page{{"id", "email", "id"}, {}};
  for (const auto& row : rows) page.rows.push_back({row[0], row[1], row[0]});
  return page;
}

constexpr const char* kUsersPage =
    R"(SELECT `id`, `email`, `id` FROM `app`\.`users` ORDER BY `id` LIMIT \d+)";

// What a managed MySQL (no SUPER, no RELOAD: no FLUSH TABLES WITH READ LOCK) answers the
// snapshot: the watermark table exists; each watermark INSERT ... ON DUPLICATE KEY UPDATE
// shows in the binlog as its row (inserted the first time, updated after), in a
// transaction of its own; a chunk reads app.users in a consistent snapshot. `rows`
// answers the first page; later pages (after a key) are empty.
void script_snapshot(MysqlWireServer& server, const std::vector<wire::BuiltRow>& rows) {
  server.answer(
      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'retainly_cdc' AND "
      "TABLE_NAME = 'watermarks'",
      wire::ResultSet{{"1"}, {{"1"}}});
  auto last = std::make_shared<std::optional<std::string>>();
  auto xid = std::make_shared<uint64_t>(100);
  server.on_query_append(
      R"(INSERT INTO `retainly_cdc`\.`watermarks` \(id, value\) VALUES \(1, '([^']*)'\) ON DUPLICATE KEY UPDATE value = VALUES\(value\))",
      [last, xid](const std::smatch& match) {
        const std::string value = match[1].str();
        const wire::BuiltTransaction tx{.xid = ++*xid};
        auto events =
            *last ? wire::update_transaction(watermark_table(), {{{"1", **last}, {"1", value}}}, tx)
                  : wire::insert_transaction(watermark_table(), {{"1", value}}, tx);
        *last = value;
        return events;
      });
  server.answer_regex(R"(INSERT INTO `retainly_cdc`\.`watermarks` .*)", std::monostate{});
  server.answer("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", std::monostate{});
  const std::string where = " WHERE c.TABLE_SCHEMA = 'app' AND c.TABLE_NAME = 'users'";
  server.answer(
      "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, c.CHARACTER_SET_NAME, c.COLUMN_KEY, s.SEQ_IN_INDEX "
      "FROM information_schema.COLUMNS c LEFT JOIN information_schema.STATISTICS s ON "
      "s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = "
      "c.COLUMN_NAME AND s.INDEX_NAME = 'PRIMARY'" +
          where + " ORDER BY c.ORDINAL_POSITION",
      wire::ResultSet{
          {"COLUMN_NAME", "COLUMN_TYPE", "CHARACTER_SET_NAME", "COLUMN_KEY", "SEQ_IN_INDEX"},
          {{"id", "int", std::nullopt, "PRI", "1"},
           {"email", "varchar(100)", "utf8mb4", "", std::nullopt}}});
  server.answer("SELECT TABLE_ROWS FROM information_schema.TABLES c" + where,
                wire::ResultSet{{"TABLE_ROWS"}, {{std::to_string(rows.size())}}});
  server.answer_regex(kUsersPage, users_page(rows));
  server.answer_regex(
      R"(SELECT `id`, `email`, `id` FROM `app`\.`users` WHERE .* ORDER BY `id` LIMIT \d+)",
      users_page({}));
}

void check_emails(const MockServer& mock, ConnectorRun& connector, const MysqlWireServer& server,
                  const std::map<std::string, std::string>& emails, const char* what) {
  auto matches = [&] {
    const auto customers = customers_by_id(mock);
    if (customers.size() != emails.size()) return false;
    for (const auto& [id, email] : emails) {
      if (!customers.contains(id) || customers.at(id).value("email", "") != email) return false;
    }
    return true;
  };
  REQUIRE_MESSAGE(poll_until(matches, 30s), what << " did not arrive: " << mock.state().dump()
                                                 << "\n"
                                                 << connector.process().describe() << "\nqueries:\n"
                                                 << joined(server.queries()));
}

// A connector with the initial snapshot on and app.users mapped to customers' emails;
// `send` is the mapping's send rule.
ConnectorSetup snapshot_setup(const MysqlWireServer& server, uint32_t server_id,
                              const std::string& send) {
  auto setup = wire_setup(server, server_id, {{"users.yaml", R"yaml(table: app.users
send: )yaml" + send + R"yaml(
customer:
  id: id
  fields:
    email: email
)yaml"}});
  setup.snapshot = "initial";
  return setup;
}

// The initial snapshot, the stream after it, then a re-snapshot during which the stream
// changes a row the chunk read: the stale chunk copy must not reach the mock.
void snapshot_and_resnapshot(const std::string& version, uint32_t server_id) {
  MysqlWireServer server({.server_version = version});
  script_mysql_source(server);
  script_snapshot(server, {{"1", "ann@example.com"}, {"2", "bob@example.com"}});
  MockServer mock;
  // send: all: the mock is emptied below to see what the re-snapshot sends, and with
  // send: changed the last-sent store would rightly skip what Retainly acknowledged before.
  ConnectorRun connector(mock, snapshot_setup(server, server_id, "all"));
  connector.start();
  check_emails(mock, connector, server, {{"1", "ann@example.com"}, {"2", "bob@example.com"}},
               "the initial snapshot's rows");
  connector.process().wait_for_line("initial snapshot of app.users done", 30s);

  // The stream goes on: ann changes her address.
  server.append_events(wire::update_transaction(
      users_table(), {{{"1", "ann@example.com"}, {"1", "ann@new.example"}}}, {.xid = 7}));
  check_emails(mock, connector, server, {{"1", "ann@new.example"}, {"2", "bob@example.com"}},
               "the streamed update");

  // Re-snapshot into an emptied mock. The chunk reads bob's old address; right after the
  // SELECT (so between the chunk's two watermarks) the stream changes it.
  mock.reset();
  server.answer_regex(kUsersPage, users_page({{"1", "ann@new.example"}, {"2", "bob@example.com"}}));
  server.on_query_append(kUsersPage, [](const std::smatch&) {
    return wire::update_transaction(
        users_table(), {{{"2", "bob@example.com"}, {"2", "bob@stream.example"}}}, {.xid = 8});
  });
  auto request = connector.command({"resnapshot", "--table", "app.users"});
  CHECK(request->wait_exit(30s) == 0);
  connector.process().wait_for_line("re-snapshot of app.users done", 30s);
  check_emails(mock, connector, server, {{"1", "ann@new.example"}, {"2", "bob@stream.example"}},
               "the re-snapshot's rows and the streamed change");
  CHECK(connector.terminate() == 0);

  check_conversation(server);
  for (const auto& sql : server.queries()) {
    INFO(sql);
    CHECK(sql.find("FLUSH") == std::string::npos);
    CHECK(sql.find("LOCK TABLES") == std::string::npos);
  }
}

}  // namespace

TEST_CASE("mysql wire: snapshot and re-snapshot on managed MySQL 8.0, watermarks in the binlog") {
  snapshot_and_resnapshot("8.0.36", 6304);
}

TEST_CASE("mysql wire: snapshot and re-snapshot on managed MySQL 8.4") {
  snapshot_and_resnapshot("8.4.2", 6305);
}

TEST_CASE("mysql wire: the snapshot waits while binlog_order_commits is OFF; the stream goes on") {
  MysqlWireServer server({.server_version = "8.0.36"});
  script_mysql_source(server);
  script_snapshot(server, {{"1", "ann@example.com"}});
  server.answer("SHOW GLOBAL VARIABLES LIKE 'binlog_order_commits'",
                variable_row("binlog_order_commits", "OFF"));
  MockServer mock;
  ConnectorRun connector(mock, snapshot_setup(server, 6306, "changed"));
  connector.start();
  connector.process().wait_for_line("reading a chunk failed: binlog_order_commits is OFF", 30s);
  // No chunk was read, and no watermark written; the stream delivers meanwhile.
  for (const auto& sql : server.queries()) {
    INFO(sql);
    CHECK(sql.find("watermarks") == std::string::npos);
  }
  server.append_events(wire::update_transaction(
      users_table(), {{{"2", "bob@example.com"}, {"2", "bob@stream.example"}}}, {.xid = 9}));
  check_emails(mock, connector, server, {{"2", "bob@stream.example"}}, "the streamed update");

  // Set right, the next attempt (5 s later) reads the table.
  server.answer("SHOW GLOBAL VARIABLES LIKE 'binlog_order_commits'",
                variable_row("binlog_order_commits", "ON"));
  connector.process().wait_for_line("initial snapshot of app.users done", 30s);
  check_emails(mock, connector, server, {{"1", "ann@example.com"}, {"2", "bob@stream.example"}},
               "the snapshot's row");
  CHECK(connector.terminate() == 0);
}
