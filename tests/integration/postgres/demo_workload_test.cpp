// The shipped demo (examples/postgres/schema.sql and the mappings in mappings/) under the
// documented workload and then a random one over users, orders and subscriptions: the
// mock must end with exactly the customers, purchases arrays and events the mappings
// define. The expectations are computed by PostgreSQL from the tables and from an audit
// trail that triggers write beside them (the history events depend on), not from lists
// written in the test and not by our mapping code.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "support/connector_run.h"
#include "support/pg_test_db.h"
#include "support/state_comparison.h"
#include "support/wait_until.h"

using namespace std::chrono_literals;
using namespace cdc::test;
using nlohmann::json;

namespace {

constexpr const char* kDatabase = "cdc_it_demo";
constexpr const char* kSlot = "cdc_it_demo";

std::string read_source_file(const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(CDC_SOURCE_DIR) / relative;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every row change of the three tables, in commit order within each table's row, for the
// expectations that depend on history (events, fields a delete sets). The audit table is
// not mapped, so the connector's publication leaves it out.
constexpr const char* kAuditSql = R"sql(
CREATE TABLE public.audit (
  seq bigserial PRIMARY KEY, tbl text NOT NULL, op char(1) NOT NULL, old jsonb, new jsonb);
CREATE FUNCTION public.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.audit (tbl, op, old, new) VALUES (TG_TABLE_NAME, left(TG_OP, 1),
    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
    CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
  RETURN NULL;
END $$;
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON public.users
  FOR EACH ROW EXECUTE FUNCTION public.audit_row();
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE OR DELETE ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.audit_row();
CREATE TRIGGER subscriptions_audit AFTER INSERT OR UPDATE OR DELETE ON public.subscriptions
  FOR EACH ROW EXECUTE FUNCTION public.audit_row();
)sql";

// Customer id (text) -> fields, as mappings/*.yaml define them (mappings/README.md,
// "Types": timestamps as UTC ISO 8601 with milliseconds, dates as YYYY-MM-DD). An empty
// purchases array is left out: whether a customer who lost all items still shows `[]`
// depends on history, not on the mapping.
constexpr const char* kExpectedCustomersSql = R"sql(
WITH last_sub_delete AS (
  SELECT DISTINCT ON ((old->>'user_id')::bigint) (old->>'user_id')::bigint AS user_id,
         old->>'renews_on' AS renews_on
  FROM public.audit WHERE tbl = 'subscriptions' AND op = 'D'
  ORDER BY (old->>'user_id')::bigint, seq DESC)
SELECT coalesce(jsonb_object_agg(u.id::text,
  jsonb_build_object(
    'id', u.id,
    'email', lower(trim(u.email)),
    'first_name', u.first_name,
    'last_name', u.last_name,
    'plan', lower(u.plan_code),
    'signed_up_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'full_name', trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')))
  || CASE
       WHEN s.id IS NOT NULL THEN jsonb_build_object(
         'subscription_plan', s.plan,
         'renews_on', to_char(s.renews_on, 'YYYY-MM-DD'),
         'subscription_active', s.active)
       WHEN d.user_id IS NOT NULL THEN jsonb_build_object(
         'subscription_plan', NULL,
         'renews_on', d.renews_on,
         'subscription_active', false)
       ELSE '{}'::jsonb END
  || coalesce((SELECT jsonb_build_object('purchases', jsonb_agg(jsonb_build_object(
         'id', o.id,
         'amount', o.total,
         'status', o.status,
         'ordered_at', to_char(o.created_at AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY o.id))
       FROM public.orders o WHERE o.user_id = u.id AND o.status <> 'draft'
       HAVING count(*) > 0), '{}')),
  '{}')::text
FROM public.users u
LEFT JOIN public.subscriptions s ON s.user_id = u.id
LEFT JOIN last_sub_delete d ON d.user_id = u.id
)sql";

// The events of users.yaml and orders.yaml, from the audit trail. orders.yaml's `where`
// (status != 'draft') makes an update out of draft an insert; `changed(status)` is true
// on inserts.
constexpr const char* kExpectedEventsSql = R"sql(
SELECT coalesce(jsonb_agg(e), '[]')::text FROM (
  SELECT jsonb_build_object('customer_id', new->'id', 'event', 'signed_up', 'data',
           jsonb_build_object('email', lower(trim(new->>'email')),
                              'plan', lower(new->>'plan_code'))) AS e
  FROM public.audit WHERE tbl = 'users' AND op = 'I'
  UNION ALL
  SELECT jsonb_build_object('customer_id', new->'id', 'event', 'plan_changed', 'data',
           jsonb_build_object('old_plan', lower(old->>'plan_code'),
                              'new_plan', lower(new->>'plan_code')))
  FROM public.audit
  WHERE tbl = 'users' AND op = 'U' AND old->>'plan_code' IS DISTINCT FROM new->>'plan_code'
  UNION ALL
  SELECT jsonb_build_object('customer_id', new->'user_id', 'event', 'order_placed', 'data',
           jsonb_build_object('order_id', new->'id', 'amount', new->'total'))
  FROM public.audit
  WHERE tbl = 'orders' AND new->>'status' <> 'draft'
    AND (op = 'I' OR (op = 'U' AND old->>'status' = 'draft'))
  UNION ALL
  SELECT jsonb_build_object('customer_id', new->'user_id', 'event', 'order_shipped', 'data',
           jsonb_build_object('order_id', new->'id', 'amount', new->'total'))
  FROM public.audit
  WHERE tbl = 'orders' AND new->>'status' = 'shipped'
    AND (op = 'I' OR (op = 'U' AND old->>'status' IS DISTINCT FROM new->>'status'))
) events)sql";

// The customer id as text, whether it travels as a number or a string.
std::string id_text(const json& id) { return id.is_string() ? id.get<std::string>() : id.dump(); }

std::map<std::string, json> expected_customers(PgTestDb& db) {
  std::map<std::string, json> expected;
  const json rows = json::parse(*db.query_value(kExpectedCustomersSql));
  for (const auto& [id, fields] : rows.items()) expected[id] = fields;
  return expected;
}

// The mock's customers with purchases sorted by item id and an empty purchases array
// left out (see kExpectedCustomersSql).
std::map<std::string, json> actual_customers(const MockServer& mock) {
  auto customers = customers_by_id(mock);
  for (auto& [id, fields] : customers) {
    auto purchases = fields.find("purchases");
    if (purchases == fields.end()) continue;
    if (purchases->empty()) {
      fields.erase(purchases);
      continue;
    }
    std::sort(purchases->begin(), purchases->end(),
              [](const json& a, const json& b) { return a.at("id") < b.at("id"); });
  }
  return customers;
}

// Events as comparable text, sorted (the order across customers is free), without the
// event key, which is a source position no query can know.
std::vector<std::string> comparable_events(json events) {
  std::vector<std::string> lines;
  for (auto& event : events) {
    event["customer_id"] = id_text(event.at("customer_id"));
    event["data"].erase("event_key");
    // 0.00 from PostgreSQL is 0.0 here and 0 in the mock: the same JSON number.
    for (auto& value : event["data"]) {
      if (value.is_number_float() && value.get<double>() == std::trunc(value.get<double>())) {
        value = static_cast<long long>(value.get<double>());
      }
    }
    lines.push_back(event.dump());
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// One random transaction of 1 to 4 statements over the demo tables. Rows are picked with
// PostgreSQL's random(), seeded per session, so a run can be repeated.
std::string random_transaction(std::mt19937& rng, int& next_user) {
  static const char* const kStatements[] = {
      // A new user, with an email that needs trimming and lower-casing.
      "INSERT INTO public.users (email, first_name, last_name, plan_code) VALUES "
      "(' User{N}@Example.COM ', 'First{N}', 'Last{N}', "
      "(ARRAY['FREE', 'PRO', 'TEAM'])[1 + floor(random() * 3)::int])",
      "UPDATE public.users SET plan_code = (ARRAY['FREE', 'PRO', 'TEAM'])[1 + floor(random() * "
      "3)::int] WHERE id = (SELECT id FROM public.users ORDER BY random() LIMIT 1)",
      "UPDATE public.users SET last_name = 'Renamed{N}', first_name = NULL "
      "WHERE id = (SELECT id FROM public.users ORDER BY random() LIMIT 1)",
      // Cascades to the user's orders and subscription.
      "DELETE FROM public.users WHERE id = (SELECT id FROM public.users ORDER BY random() "
      "LIMIT 1)",
      "INSERT INTO public.orders (user_id, total, status) SELECT id, round((random() * 500)::"
      "numeric, 2), (ARRAY['draft', 'placed', 'shipped'])[1 + floor(random() * 3)::int] "
      "FROM public.users ORDER BY random() LIMIT 1",
      "UPDATE public.orders SET status = CASE status WHEN 'draft' THEN 'placed' "
      "WHEN 'placed' THEN (ARRAY['shipped', 'draft', 'cancelled'])[1 + floor(random() * "
      "3)::int] ELSE status END WHERE id = (SELECT id FROM public.orders ORDER BY random() "
      "LIMIT 1)",
      // The order moves to another customer's purchases.
      "UPDATE public.orders SET user_id = (SELECT id FROM public.users ORDER BY random() "
      "LIMIT 1) WHERE id = (SELECT id FROM public.orders ORDER BY random() LIMIT 1)",
      "DELETE FROM public.orders WHERE id = (SELECT id FROM public.orders ORDER BY random() "
      "LIMIT 1)",
      // At most one subscription per user: the mapping keys it by user.
      "INSERT INTO public.subscriptions (user_id, plan, renews_on, active) SELECT id, "
      "'plan-{N}', CASE WHEN random() < 0.2 THEN NULL ELSE DATE '2030-01-01' + {N} END, "
      "random() < 0.7 FROM public.users u WHERE NOT EXISTS (SELECT 1 FROM "
      "public.subscriptions s WHERE s.user_id = u.id) ORDER BY random() LIMIT 1",
      "UPDATE public.subscriptions SET active = NOT active, plan = 'changed-{N}' "
      "WHERE id = (SELECT id FROM public.subscriptions ORDER BY random() LIMIT 1)",
      "DELETE FROM public.subscriptions WHERE id = (SELECT id FROM public.subscriptions "
      "ORDER BY random() LIMIT 1)",
  };
  // Weights: mostly inserts and updates, so the tables grow.
  static const std::discrete_distribution<int> kPick({8, 3, 2, 1, 8, 6, 2, 1, 4, 2, 1});
  std::discrete_distribution<int> pick = kPick;
  std::string sql = "BEGIN;";
  const int count = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < count; ++i) {
    std::string statement = kStatements[pick(rng)];
    const std::string n = std::to_string(next_user++);
    for (size_t at; (at = statement.find("{N}")) != std::string::npos;) {
      statement.replace(at, 3, n);
    }
    sql += statement + ";";
  }
  return sql + "COMMIT;";
}

// A fresh database for the demo schema, so its public tables are the test's alone.
std::string fresh_database(PgTestDb& admin) {
  const std::string dsn = admin.dsn() + " dbname=" + kDatabase;
  if (admin.query_value(std::string("SELECT count(*) FROM pg_database WHERE datname = '") +
                        kDatabase + "'") == "1") {
    PgTestDb old(dsn);  // logical slots can only be dropped from their database
    old.drop_replication_objects(kSlot);
  }
  admin.exec(std::string("DROP DATABASE IF EXISTS ") + kDatabase + " WITH (FORCE)");
  admin.exec(std::string("CREATE DATABASE ") + kDatabase);
  return dsn;
}

// The events one side has more often than the other.
std::string event_differences(const std::vector<std::string>& expected,
                              const std::vector<std::string>& actual) {
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                      std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  std::string text;
  for (const auto& line : missing) text += "\n  missing " + line;
  for (const auto& line : extra) text += "\n  extra   " + line;
  return text;
}

}  // namespace

TEST_CASE(
    "postgres: the demo schema under a random workload gives exactly the mapped "
    "customers, purchases and events") {
  PgTestDb admin;
  PgTestDb db(fresh_database(admin));
  db.exec(read_source_file("examples/postgres/schema.sql"));
  db.exec(kAuditSql);

  ConnectorSetup setup{.slot = kSlot, .dsn = db.dsn()};
  for (const char* file : {"users.yaml", "orders.yaml", "subscriptions.yaml"}) {
    setup.mappings[file] = read_source_file(std::string("mappings/") + file);
  }
  MockServer mock;
  ConnectorRun connector(mock, setup);
  connector.start();

  // The documented workload (psql's \set line aside), then the random one.
  std::string documented = read_source_file("examples/postgres/workload.sql");
  documented.erase(documented.find("\\set ON_ERROR_STOP on"), 21);
  db.exec(documented);
  PgTestDb writer(db.dsn());
  writer.exec("SELECT setseed(0.25)");
  std::mt19937 rng(20261128);
  int next_number = 1;
  for (int t = 0; t < 400; ++t) writer.exec(random_transaction(rng, next_number));
  // Make sure the cases that need care happen at least once: a placed order moving to
  // another customer, and a user whose deletion cascades to a subscription.
  writer.exec(
      "BEGIN;"
      "UPDATE public.orders SET user_id = (SELECT min(id) FROM public.users WHERE id <> "
      "orders.user_id) WHERE id = (SELECT max(id) FROM public.orders WHERE status <> 'draft');"
      "DELETE FROM public.users WHERE id = (SELECT max(user_id) FROM public.subscriptions);"
      "COMMIT;");

  const auto covered = [&](const std::string& where) {
    return std::stoll(*db.query_value("SELECT count(*) FROM public.audit WHERE " + where));
  };
  CHECK(covered("tbl = 'orders' AND op = 'U' AND old->>'user_id' <> new->>'user_id' AND "
                "old->>'status' <> 'draft' AND new->>'status' <> 'draft'") > 0);
  CHECK(covered("tbl = 'subscriptions' AND op = 'D' AND NOT EXISTS (SELECT 1 FROM public.users "
                "u WHERE u.id = (old->>'user_id')::bigint)") > 0);
  CHECK(covered("tbl = 'orders' AND op = 'U' AND old->>'status' = 'draft' AND "
                "new->>'status' <> 'draft'") > 0);

  const auto expected_state = expected_customers(db);
  MESSAGE(expected_state.size() << " customers expected");
  wait_for_equal<std::map<std::string, json>>([&] { return actual_customers(mock); },
                                              expected_state, "the customers",
                                              customer_differences);

  const auto expected_events = comparable_events(json::parse(*db.query_value(kExpectedEventsSql)));
  MESSAGE(expected_events.size() << " events expected");
  wait_for_equal<std::vector<std::string>>(
      [&] { return comparable_events(mock.state().at("events")); }, expected_events, "the events",
      event_differences);

  // Every event has its own key: nothing was delivered twice.
  std::set<std::string> keys;
  const json state = mock.state();  // held: the loop reads into it
  for (const auto& event : state.at("events")) {
    CHECK(keys.insert(event.at("data").at("event_key").get<std::string>()).second);
  }
  CHECK(connector.terminate() == 0);
}
