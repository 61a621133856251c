// `retainly-cdc check` against the real PostgreSQL and retainly-mock: each kind of problem
// is reported in words that name the table, column or key, with its exit code (PRODUCT.md:
// 2 configuration or mapping, 3 credentials, 4 source).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

#include "support/child_process.h"
#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/temp_dir.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kSlot = "cdc_it_check";

// users: primary key id, default replica identity; pets: customer id owner_id (not the key).
void create_tables(PgTestDb& db) {
  db.fresh_schema("pgit_check");
  db.exec(
      "CREATE TABLE pgit_check.users (id bigint PRIMARY KEY, email text, score int, "
      "joined timestamptz);"
      "CREATE TABLE pgit_check.pets (id bigint PRIMARY KEY, owner_id bigint NOT NULL, "
      "name text)");
}

const std::string kUsers = R"yaml(table: pgit_check.users
customer:
  id: id
  fields:
    email: { column: email, transform: lower }
    joined_at: { column: joined, type: date_time }
  on_delete: delete
)yaml";

// Pets become items of their owner's array: owner_id is not the key.
const std::string kPets = R"yaml(table: pgit_check.pets
array:
  customer_id: owner_id
  field: pets
  item_id: id
  fields: { name: name }
)yaml";

// Users with a score, filtered by it; kJoinedEvent adds an event.
const std::string kScoredUsers = R"yaml(table: pgit_check.users
where: score > 0
customer:
  id: id
  fields: { email: email }
  on_delete: delete
)yaml";
const std::string kJoinedEvent = R"yaml(events:
  - { name: joined, on: insert, data: { email: email } }
)yaml";

struct CheckResult {
  int exit_code;
  std::string output;
};

CheckResult run_check(ConnectorRun& connector, std::vector<std::string> args = {"check"}) {
  auto process = connector.command(std::move(args));
  const int code = process->wait_exit(60s);
  return {code, process->stdout_text() + process->stderr_text()};
}

// A FUSE filesystem (bindfs, from scripts/deps) showing a folder of its own, unmounted at
// the end: the kind of filesystem the last-sent store refuses (docs/last-sent-store.md).
class FuseMount {
 public:
  FuseMount() {
    ChildProcess bindfs("bindfs", {backing_.path().string(), mount_.path().string()});
    REQUIRE_MESSAGE(bindfs.wait_exit(30s) == 0,
                    "bindfs could not mount (needs /dev/fuse): " << bindfs.stderr_text());
  }
  ~FuseMount() {
    try {
      ChildProcess unmount("fusermount3", {"-u", mount_.path().string()});
      unmount.wait_exit(30s);
    } catch (const std::exception& e) {
      MESSAGE("could not unmount " << mount_.path().string() << ": " << e.what());
    }
  }
  const std::filesystem::path& path() const { return mount_.path(); }

 private:
  TempDir backing_{"fuse_backing"};
  TempDir mount_{"fuse_mount"};
};

}  // namespace

TEST_CASE("check: a sound setup passes offline and online and creates nothing") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kUsers}}});
  auto offline = run_check(connector, {"check", "--offline"});
  CHECK(offline.exit_code == 0);
  auto online = run_check(connector);
  INFO(online.output);
  CHECK(online.exit_code == 0);
  CHECK(online.output.find("Retainly accepts the credentials") != std::string::npos);
  // Nothing durable: no slot (not even a temporary one left), no publication, no state_dir.
  CHECK(db.query_value("SELECT count(*) FROM pg_replication_slots WHERE starts_with(slot_name, '" +
                       std::string(kSlot) + "')") == "0");
  CHECK(db.query_value("SELECT count(*) FROM pg_publication WHERE pubname = '" +
                       std::string(kSlot) + "'") == "0");
  CHECK_FALSE(std::filesystem::exists(connector.state_dir()));
  // What `run` will do, and that a dry run needs it done first.
  CHECK(online.output.find("note: publication cdc_it_check does not exist yet") !=
        std::string::npos);
  // The credentials probe changed nothing in Retainly.
  CHECK(mock.state().at("customers").empty());
}

TEST_CASE("check: a publication that misses a mapped table is noted, and left as it is") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  db.exec("CREATE PUBLICATION cdc_it_check FOR TABLE pgit_check.pets");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kUsers}}});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("note: publication cdc_it_check does not publish pgit_check.users "
                           "yet") != std::string::npos);
  CHECK(db.query_value("SELECT string_agg(schemaname || '.' || tablename, ',') FROM "
                       "pg_publication_tables WHERE pubname = 'cdc_it_check'") ==
        "pgit_check.pets");
  db.drop_replication_objects(kSlot);
}

TEST_CASE("check: a missing column is a mapping problem, exit 2") {
  PgTestDb db;
  create_tables(db);
  MockServer mock;
  const std::string mapping =
      "table: pgit_check.users\ncustomer:\n  id: id\n  fields:\n    nick: nickname\n";
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", mapping}}});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("pgit_check.users has no column \"nickname\"") != std::string::npos);
}

TEST_CASE("check: a column whose type does not convert is a mapping problem, exit 2") {
  PgTestDb db;
  create_tables(db);
  MockServer mock;
  const std::string mapping =
      "table: pgit_check.users\ncustomer:\n  id: id\n  fields:\n"
      "    score_date: { column: score, type: date_time }\n";
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", mapping}}});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("pgit_check.users.score has type int4, which does not convert to "
                           "date_time") != std::string::npos);
}

TEST_CASE("check: a delete mapping that reads a non-key column needs REPLICA IDENTITY FULL") {
  PgTestDb db;
  create_tables(db);
  MockServer mock;
  // Deleting a pet removes it from its owner's array: the old row must carry owner_id.
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"pets.yaml", kPets}}});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 4);
  CHECK(result.output.find(
            "pets.yaml: table pgit_check.pets: reads owner_id in array.customer_id (deletes and "
            "moves name the old customer), which REPLICA IDENTITY DEFAULT does not log; run "
            "ALTER TABLE pgit_check.pets REPLICA IDENTITY FULL, or set allow_partial: true in "
            "the mapping to accept") != std::string::npos);

  db.exec("ALTER TABLE pgit_check.pets REPLICA IDENTITY FULL");
  auto fixed = run_check(connector);
  INFO(fixed.output);
  CHECK(fixed.exit_code == 0);
}

TEST_CASE("check: a where with events needs the old row; allow_partial turns it into a warning") {
  PgTestDb db;
  create_tables(db);
  MockServer mock;
  const std::string mapping = kScoredUsers + kJoinedEvent;
  ConnectorRun refused(mock, {.slot = kSlot, .mappings = {{"users.yaml", mapping}}});
  auto result = run_check(refused);
  INFO(result.output);
  CHECK(result.exit_code == 4);
  CHECK(result.output.find("problem: ") != std::string::npos);
  CHECK(result.output.find("users.yaml: table pgit_check.users: reads score in a where with "
                           "events, which REPLICA IDENTITY DEFAULT does not log; run ALTER "
                           "TABLE pgit_check.users REPLICA IDENTITY FULL, or set "
                           "allow_partial: true") != std::string::npos);

  ConnectorRun allowed(
      mock, {.slot = kSlot, .mappings = {{"users.yaml", "allow_partial: true\n" + mapping}}});
  auto accepted = run_check(allowed);
  INFO(accepted.output);
  CHECK(accepted.exit_code == 0);
  CHECK(accepted.output.find("warning: ") != std::string::npos);
  CHECK(accepted.output.find("users.yaml: table pgit_check.users: reads score in a where with "
                             "events, which REPLICA IDENTITY DEFAULT does not log; accepted by "
                             "allow_partial: true") != std::string::npos);
  CHECK(accepted.output.find("problem: ") == std::string::npos);
}

TEST_CASE("check: a where without events passes under the default replica identity") {
  PgTestDb db;
  create_tables(db);
  MockServer mock;
  // Upserts are idempotent, and leaving the filter sends idempotent deletes.
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", kScoredUsers}}});
  auto result = run_check(connector);
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("REPLICA IDENTITY") == std::string::npos);
  CHECK(result.output.find("warning: ") == std::string::npos);
}

TEST_CASE("run: a refused mapping stops the daemon with exit 4 before anything is sent") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  db.exec("INSERT INTO pgit_check.pets VALUES (1, 10, 'Rex')");
  MockServer mock;
  // With snapshot: initial the row above would be sent at once if the daemon started.
  ConnectorRun connector(
      mock, {.slot = kSlot, .mappings = {{"pets.yaml", kPets}}, .snapshot = "initial"});
  auto run = connector.command({"run"});
  const auto first = run->wait_for_line("refusing to stream|streaming from slot", 60s);
  CHECK(first.line.find("refusing to stream") != std::string::npos);
  const int code = run->wait_exit(60s);
  const std::string output = run->stdout_text() + run->stderr_text();
  INFO(output);
  CHECK(code == 4);
  CHECK(output.find("pets.yaml: table pgit_check.pets: reads owner_id in array.customer_id") !=
        std::string::npos);
  CHECK(output.find("ALTER TABLE pgit_check.pets REPLICA IDENTITY FULL") != std::string::npos);
  // Nothing sent, no slot or publication made.
  CHECK(records_applied(mock, "POST /arrays") == 0);
  CHECK(mock.state().at("customers").empty());
  CHECK(db.query_value("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" +
                       std::string(kSlot) + "'") == "0");
  CHECK(db.query_value("SELECT count(*) FROM pg_publication WHERE pubname = '" +
                       std::string(kSlot) + "'") == "0");
}

TEST_CASE("run: allow_partial accepts the mapping with a warning, and streams") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot, .mappings = {{"pets.yaml", "allow_partial: true\n" + kPets}}});
  connector.start();
  CHECK(
      connector.process().find_line("pets.yaml: table pgit_check.pets: reads owner_id in "
                                    "array.customer_id.*accepted by allow_partial: true"));
  db.exec("INSERT INTO pgit_check.pets VALUES (1, 10, 'Rex')");
  wait_until([&] { return records_applied(mock, "POST /arrays") == 1; }, 30s, "the pet's item");
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}

TEST_CASE("check: credentials Retainly refuses are exit 3, and the secret is not printed") {
  PgTestDb db;
  create_tables(db);
  MockServer mock({.key = "right-key", .secret = "right-secret-4711"});
  MockServer wrong({.key = "other-key", .secret = "other-secret-0815"});
  // The connector is configured with `wrong`'s credentials but pointed at `mock`.
  ConnectorRun pointed(
      wrong, {.slot = kSlot, .mappings = {{"users.yaml", kUsers}}, .sink_url = mock.url()});
  auto result = run_check(pointed);
  INFO(result.output);
  CHECK(result.exit_code == 3);
  CHECK(result.output.find("refused the credentials") != std::string::npos);
  CHECK(result.output.find("other-secret-0815") == std::string::npos);
}

TEST_CASE("check: a mapping error names file, line and key, exit 2, before any connection") {
  MockServer mock;
  const std::string mapping =
      "table: pgit_check.users\ncustomer:\n  id: id\n  fields:\n"
      "    email: { column: email, transfrom: lower }\n";
  ConnectorRun connector(mock, {.slot = kSlot, .mappings = {{"users.yaml", mapping}}});
  auto result = run_check(connector, {"check", "--offline"});
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("users.yaml:5:") != std::string::npos);
  CHECK(result.output.find("transfrom") != std::string::npos);
}

TEST_CASE("check: a last-sent store on a FUSE filesystem is refused, naming the key to set") {
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  create_tables(db);
  FuseMount fuse;
  MockServer mock;
  ConnectorRun connector(
      mock, {.slot = kSlot,
             .mappings = {{"users.yaml", kUsers}},
             .extra_config = "last_sent_dir: " + (fuse.path() / "store").string() + "\n"});
  const auto offline = run_check(connector, {"check", "--offline"});
  CHECK(offline.exit_code == 2);
  CHECK(offline.output.find("the last-sent store " + (fuse.path() / "store").string() +
                            " is on a fuse filesystem") != std::string::npos);
  CHECK(offline.output.find("set last_sent_dir to a folder on a local disk") != std::string::npos);

  // The daemon and a backfill refuse to open it; status names the reason.
  for (const char* command : {"run", "backfill"}) {
    CAPTURE(command);
    auto process = connector.command({command});
    CHECK(process->wait_exit(60s) == 2);
    CHECK(process->find_line("is on a fuse filesystem").has_value());
  }
  CHECK_FALSE(std::filesystem::exists(fuse.path() / "store"));
  auto status = connector.command({"status"});
  status->wait_exit(60s);
  CHECK(status->find_line("last_sent_problem.*is on a fuse filesystem").has_value());
  db.drop_replication_objects(kSlot);
}
