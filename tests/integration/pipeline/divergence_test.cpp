// Mappings that stay right without full old images (issue 19): transaction sequences on
// real PostgreSQL and retainly-mock after which Retainly must hold what the mappings say
// the current rows imply, computed here by SQL from the tables.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;

namespace {

constexpr const char* kUsersMapping = R"yaml(table: pgit_div_cascade.users
customer:
  id: id
  fields: { email: email }
  on_delete: delete
)yaml";

// A child table whose deletes mark the customer: `set` is an upsert, and upserts create.
constexpr const char* kSubscriptionsMapping = R"yaml(table: pgit_div_cascade.subscriptions
customer:
  id: user_id
  fields: { plan: plan }
  on_delete:
    set: { plan: null }
)yaml";

}  // namespace

TEST_CASE(
    "divergence: a child's on_delete set in a later transaction does not re-create a "
    "deleted customer") {
  constexpr const char* kSlot = "cdc_it_div_cascade";
  PgTestDb db;
  db.drop_replication_objects(kSlot);
  db.fresh_schema("pgit_div_cascade");
  db.exec("CREATE TABLE pgit_div_cascade.users (id bigint PRIMARY KEY, email text)");
  db.exec(
      "CREATE TABLE pgit_div_cascade.subscriptions (user_id bigint, id bigint, plan text, "
      "PRIMARY KEY (user_id, id))");
  MockServer mock;
  ConnectorRun connector(mock, {.slot = kSlot,
                                .mappings = {{"users.yaml", kUsersMapping},
                                             {"subscriptions.yaml", kSubscriptionsMapping}}});
  connector.start();
  db.exec("INSERT INTO pgit_div_cascade.users VALUES (1, 'a@x'), (2, 'b@x')");
  db.exec("INSERT INTO pgit_div_cascade.subscriptions VALUES (1, 10, 'pro'), (2, 20, 'free')");
  wait_until([&] { return customers_by_id(mock).size() == 2; }, 60s, "both customers");

  db.exec("DELETE FROM pgit_div_cascade.users WHERE id = 1");
  wait_until([&] { return !customers_by_id(mock).contains("1"); }, 60s, "the delete");
  // Another transaction: the application cleans up the child rows afterwards.
  db.exec("DELETE FROM pgit_div_cascade.subscriptions WHERE user_id = 1");
  db.exec("DELETE FROM pgit_div_cascade.subscriptions WHERE user_id = 2");  // user 2 stays
  db.exec("INSERT INTO pgit_div_cascade.users VALUES (3, 'c@x')");          // a marker
  wait_until([&] { return customers_by_id(mock).contains("3"); }, 60s, "the marker");

  // What the rows imply: the users that exist, with the plan their subscription gives (a
  // deleted subscription set it to null).
  const auto expected = db.rows_by_id(
      "SELECT u.id, u.email, s.plan "
      "FROM pgit_div_cascade.users u LEFT JOIN pgit_div_cascade.subscriptions s "
      "ON s.user_id = u.id");
  auto actual = customers_by_id(mock);
  // User 3 never had a subscription: the mock has no plan for it at all.
  actual["3"]["plan"] = nullptr;
  CHECK(actual == expected);
  CHECK(connector.terminate() == 0);
  db.drop_replication_objects(kSlot);
}
