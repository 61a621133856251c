// `retainly-cdc preview` as the user runs it, against the test PostgreSQL: the JSON lines
// it prints are the calls the mapped rows would make, with values PostgreSQL itself
// computes from the same rows; --limit, the mapping's `where` and key order hold; nothing
// reaches Retainly and no replication object is created.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/connector_run.h"
#include "support/mock_server.h"
#include "support/mysql_test_db.h"
#include "support/pg_test_db.h"
#include "support/temp_dir.h"
#include "support/test_env.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

// The slot and publication names the config gives; preview must create neither.
constexpr const char* kSlot = "cdc_it_preview";

constexpr const char* kTables = R"sql(
CREATE TYPE pgit_preview.plan AS ENUM ('free', 'pro');
CREATE TABLE pgit_preview.users (
  id         bigint PRIMARY KEY,
  email      text NOT NULL,
  plan       pgit_preview.plan,
  score      numeric(10, 2),
  active     boolean,
  created_at timestamptz
);
-- Inserted out of key order: preview shows rows in key order.
INSERT INTO pgit_preview.users VALUES
  (30, 'Carol@Example.com', 'pro', 12.50, true, '2024-03-01 10:00:00.250+02'),
  (10, 'ALICE@example.com', 'free', NULL, false, '2023-12-31 23:59:59.999+00'),
  (50, 'eve@example.com', NULL, 0.10, NULL, NULL),
  (20, 'Bob@Example.com', 'pro', -3.00, true, '2024-06-15 00:00:00+00'),
  (40, 'dave@example.com', 'free', 99999999.99, true, '2000-01-01 00:00:00+00');

CREATE TABLE pgit_preview.orders (
  id      integer PRIMARY KEY,
  user_id bigint NOT NULL,
  status  text NOT NULL,
  total   numeric(10, 2) NOT NULL
);
INSERT INTO pgit_preview.orders VALUES
  (1, 10, 'draft', 5), (2, 10, 'paid', 7.5), (3, 20, 'draft', 1), (4, 20, 'shipped', 20),
  (5, 30, 'draft', 3);

-- The key's column order (b, a) differs from the table's (a, b).
CREATE TABLE pgit_preview.pairs (a integer, b integer, note text, PRIMARY KEY (b, a));
INSERT INTO pgit_preview.pairs
  SELECT g % 7, g / 7, 'n' || g FROM generate_series(1099, 0, -1) AS g;

-- No primary key and no replica identity index.
CREATE TABLE pgit_preview.loose (n integer, note text);
INSERT INTO pgit_preview.loose SELECT g, 'n' || g FROM generate_series(1, 1100) AS g;

-- Customer ids come from email: the NULL one is rejected.
CREATE TABLE pgit_preview.contacts (id integer PRIMARY KEY, email text);
INSERT INTO pgit_preview.contacts VALUES (1, 'a@example.com'), (2, NULL), (3, 'c@example.com');

CREATE TABLE pgit_preview.unmapped (id integer PRIMARY KEY);
)sql";

const std::vector<std::pair<std::string, std::string>> kMappings = {
    {"users.yaml", R"yaml(table: pgit_preview.users
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    plan: plan
    score: score
    active: active
    signed_up_at: { column: created_at, type: date_time }
)yaml"},
    {"orders.yaml", R"yaml(table: pgit_preview.orders
where: status != 'draft'
array:
  customer_id: user_id
  field: purchases
  item_id: id
  fields: { amount: total, status: status }
)yaml"},
    {"pairs.yaml", R"yaml(table: pgit_preview.pairs
customer:
  id: "{{b}}-{{a}}"
  fields: { note: note }
)yaml"},
    {"loose.yaml", R"yaml(table: pgit_preview.loose
customer:
  id: n
  fields: { note: note }
)yaml"},
    {"contacts.yaml", R"yaml(table: pgit_preview.contacts
customer:
  id: email
)yaml"},
    {"ghost.yaml", R"yaml(table: pgit_preview.ghost
customer:
  id: id
)yaml"},
};

// A YAML scalar that survives any character: JSON's string syntax is valid YAML.
std::string quoted(const std::string& text) { return json(text).dump(); }

struct PreviewResult {
  int exit_code = -1;
  std::vector<json> lines;  // stdout, one parsed JSON value per line
  std::string errors;       // stderr
};

// A fresh schema with the tables above, their mappings and a connector.yaml whose sink is
// a running retainly-mock, so that anything sent would show in its stats.
class PreviewSetup {
 public:
  PreviewSetup() : dir_("preview") {
    db_.drop_replication_objects(kSlot);
    db_.fresh_schema("pgit_preview");
    db_.exec(kTables);
    for (const auto& [name, text] : kMappings) dir_.write_file("mappings/" + name, text);
    std::string config = "source:\n  type: postgres\n";
    config += "  dsn: " + quoted(db_.dsn()) + "\n";
    config += std::string("  slot: ") + kSlot + "\n";
    config += std::string("  publication: ") + kSlot + "\n";
    config += "  snapshot: never\n";
    config += "sink:\n";
    config += "  url: " + quoted(mock_.url()) + "\n";
    config += "  key: " + quoted(mock_.key()) + "\n";
    config += "  secret: " + quoted(mock_.secret()) + "\n";
    config += "mappings: mappings\nstate_dir: state\nlog:\n  format: text\n";
    config_ = dir_.write_file("connector.yaml", config);
  }

  PgTestDb& db() { return db_; }
  MockServer& mock() { return mock_; }
  const TempDir& dir() const { return dir_; }

  PreviewResult preview(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"preview", "-c", config_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildProcess child(cli_binary(), args);
    PreviewResult result;
    result.exit_code = child.wait_exit(120s);
    result.errors = child.stderr_text();
    std::istringstream out(child.stdout_text());
    for (std::string line; std::getline(out, line);) {
      const json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        FAIL("stdout line is not JSON: " << line << "\n" << child.describe());
      }
      result.lines.push_back(parsed);
    }
    return result;
  }

 private:
  PgTestDb db_;
  MockServer mock_;
  TempDir dir_;
  std::filesystem::path config_;
};

// The customer object of a POST /customers line.
const json& customer_of(const json& line) {
  REQUIRE(line.at("method") == "POST");
  REQUIRE(line.at("path") == "/customers");
  const json& customers = line.at("body").at("customers");
  REQUIRE(customers.size() == 1);
  return customers[0];
}

json nullable_number(const json& text) {
  return text.is_null() ? json() : json(std::stod(text.get<std::string>()));
}

}  // namespace

TEST_CASE("preview: one customer upsert per row in key order, values as PostgreSQL computes them") {
  PreviewSetup setup;
  // What Retainly should receive per row, in key order, computed by PostgreSQL.
  const json rows = setup.db().query_json(
      "SELECT id, lower(email) AS email, plan::text AS plan, score::float8::text AS score, "
      "active, to_char(created_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS signed_up_at "
      "FROM pgit_preview.users ORDER BY id");
  REQUIRE(rows.size() == 5);

  const auto result = setup.preview({"--table", "pgit_preview.users"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.lines.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    const json& line = result.lines[i];
    INFO("line " << i << ": " << line.dump());
    json expected = {
        {"id", std::stoll(row.at("id").get<std::string>())},
        {"email", row.at("email")},
        {"plan", row.at("plan")},
        {"score", nullable_number(row.at("score"))},
        {"active", row.at("active").is_null() ? json() : json(row.at("active") == "t")},
        {"signed_up_at", row.at("signed_up_at")},
    };
    CHECK(customer_of(line) == expected);
    CHECK(line.at("table") == "pgit_preview.users");
    CHECK(line.at("key") == "id=" + row.at("id").get<std::string>());
    // Preview rows have no WAL location: the position only counts them.
    CHECK(line.at("position") == "pg:0/0:" + std::to_string(i));
  }
}

TEST_CASE("preview: nothing is sent to Retainly and no slot or publication is created") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.users"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.lines.size() == 5);
  CHECK(setup.mock().stats().at("requests") == json::object());
  CHECK(setup.db().query_value(std::string("SELECT count(*) FROM pg_replication_slots WHERE "
                                           "slot_name = '") +
                               kSlot + "'") == "0");
  CHECK(setup.db().query_value(std::string("SELECT count(*) FROM pg_publication WHERE "
                                           "pubname = '") +
                               kSlot + "'") == "0");
  CHECK(!std::filesystem::exists(setup.dir().path() / "state"));
}

TEST_CASE("preview: --limit N shows the first N rows in key order") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.users", "--limit", "2"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.lines.size() == 2);
  CHECK(customer_of(result.lines[0]).at("id") == 10);
  CHECK(customer_of(result.lines[1]).at("id") == 20);

  const auto zero = setup.preview({"--table", "pgit_preview.users", "--limit", "0"});
  CHECK(zero.exit_code == 2);
  CHECK(zero.lines.empty());
  CHECK(zero.errors.find("at least 1") != std::string::npos);
}

TEST_CASE("preview: rows the mapping's where excludes are skipped and not counted by --limit") {
  PreviewSetup setup;
  const json kept = setup.db().query_json(
      "SELECT id, user_id, status, total::float8::text AS total FROM pgit_preview.orders "
      "WHERE status <> 'draft' ORDER BY id");
  REQUIRE(kept.size() == 2);

  auto check_item = [](const json& line, const json& row) {
    INFO("line: " << line.dump());
    CHECK(line.at("method") == "POST");
    CHECK(line.at("path") == "/arrays");
    const json& records = line.at("body").at("records");
    REQUIRE(records.size() == 1);
    CHECK(records[0].at("customer_id") == std::stoll(row.at("user_id").get<std::string>()));
    CHECK(records[0].at("field") == "purchases");
    const json expected_item = {{"id", std::stoll(row.at("id").get<std::string>())},
                                {"amount", nullable_number(row.at("total"))},
                                {"status", row.at("status")}};
    CHECK(records[0].at("data") == json::array({expected_item}));
  };

  SUBCASE("without a limit every kept row is shown, and only those") {
    const auto result = setup.preview({"--table", "pgit_preview.orders"});
    INFO("stderr: " << result.errors);
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.lines.size() == kept.size());
    for (size_t i = 0; i < kept.size(); ++i) check_item(result.lines[i], kept[i]);
  }
  SUBCASE("--limit counts shown rows: the drafts before them do not use it up") {
    const auto result = setup.preview({"--table", "pgit_preview.orders", "--limit", "2"});
    INFO("stderr: " << result.errors);
    REQUIRE(result.exit_code == 0);
    REQUIRE(result.lines.size() == 2);
    check_item(result.lines[0], kept[0]);
    check_item(result.lines[1], kept[1]);
  }
}

TEST_CASE("preview: a row the mapping rejects is shown as a rejected line and counts as shown") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.contacts", "--limit", "2"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.lines.size() == 2);
  CHECK(customer_of(result.lines[0]).at("id") == "a@example.com");
  const json& rejected = result.lines[1];
  INFO("rejected line: " << rejected.dump());
  REQUIRE(rejected.contains("rejected"));
  CHECK(rejected.at("rejected").is_string());
  CHECK(!rejected.at("rejected").get<std::string>().empty());
  CHECK(!rejected.contains("body"));
  CHECK(rejected.at("table") == "pgit_preview.contacts");
  CHECK(rejected.at("key") == "id=2");
  CHECK(rejected.at("position") == "pg:0/0:1");
}

TEST_CASE("preview: a composite primary key pages in the key's column order across batches") {
  PreviewSetup setup;
  // More rows than one page (1000) holds.
  const json rows = setup.db().query_json(
      "SELECT b || '-' || a AS id FROM pgit_preview.pairs ORDER BY b, a LIMIT 1050");
  REQUIRE(rows.size() == 1050);
  const auto result = setup.preview({"--table", "pgit_preview.pairs", "--limit", "1050"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.lines.size() == rows.size());
  size_t out_of_order = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (customer_of(result.lines[i]).at("id") != rows[i].at("id")) ++out_of_order;
  }
  CHECK(out_of_order == 0);
}

TEST_CASE("preview: a table without a key is read in full, each row once, by ctid pages") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.loose", "--limit", "5000"});
  INFO("stderr: " << result.errors);
  REQUIRE(result.exit_code == 0);
  CHECK(result.lines.size() == 1100);
  std::set<long long> ids;
  for (const json& line : result.lines) ids.insert(customer_of(line).at("id").get<long long>());
  CHECK(ids.size() == 1100);
  REQUIRE(!ids.empty());
  CHECK(*ids.begin() == 1);
  CHECK(*ids.rbegin() == 1100);
}

TEST_CASE("preview: an unmapped table is a configuration error naming it and the mapped tables") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.unmapped"});
  INFO("stderr: " << result.errors);
  CHECK(result.exit_code == 2);
  CHECK(result.lines.empty());
  CHECK(result.errors.find("pgit_preview.unmapped") != std::string::npos);
  CHECK(result.errors.find("pgit_preview.users") != std::string::npos);
  CHECK(result.errors.find("pgit_preview.orders") != std::string::npos);
}

TEST_CASE("preview: a mapped table missing from the database is a source error (exit 4)") {
  PreviewSetup setup;
  const auto result = setup.preview({"--table", "pgit_preview.ghost"});
  INFO("stderr: " << result.errors);
  CHECK(result.exit_code == 4);
  CHECK(result.lines.empty());
  CHECK(result.errors.find("pgit_preview.ghost does not exist") != std::string::npos);
}

TEST_CASE("preview: a MariaDB table's rows as calls, in key order, nothing sent") {
  MysqlTestDb db;
  db.fresh_database("myit_preview");
  db.exec(
      "CREATE TABLE myit_preview.users (id BIGINT PRIMARY KEY, email VARCHAR(100), "
      "joined DATETIME(3))");
  db.exec(
      "INSERT INTO myit_preview.users VALUES (3, 'C@x.io', '2024-01-03 00:00:00'), "
      "(1, 'a@x.io', '2024-01-01 10:00:00.5'), (2, 'b@x.io', NULL)");
  MockServer mock;
  ConnectorRun connector(mock, {.mappings = {{"users.yaml", R"yaml(table: myit_preview.users
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    joined: { column: joined, type: date_time }
)yaml"}},
                                .mysql_server_id = 6301});
  auto child = connector.command({"preview", "--table", "myit_preview.users", "--limit", "2"});
  REQUIRE(child->wait_exit(60s) == 0);
  std::vector<nlohmann::json> lines;
  std::istringstream out(child->stdout_text());
  for (std::string line; std::getline(out, line);) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].dump().find("\"joined\":\"2024-01-01T10:00:00.500Z\"") != std::string::npos);
  CHECK(lines[1].dump().find("\"email\":\"b@x.io\"") != std::string::npos);
  CHECK(lines[1].dump().find("\"joined\":null") != std::string::npos);
  CHECK(mock.state().at("customers").empty());
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
}
