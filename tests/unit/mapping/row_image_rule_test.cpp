// Which reads stay wrong without complete row images (mapping_requirements.h), and which
// of them a source's images leave unserved (row_image_rule.h): the tables `check` and
// `run` refuse unless the mapping says allow_partial: true (issue 19).
#include <doctest/doctest.h>

#include "mapping/row_image_rule.h"
#include "mapping_fixture.h"

using namespace cdc::mapping;
using cdc::mapping::testing::mapper_from;

namespace {

TableRequirements requirements_of(const std::string& yaml) {
  const Mapper mapper = mapper_from(yaml);
  return requirements(mapper).front();
}

// The unserved reads under a replica identity that logs `identity` (PostgreSQL: new rows
// complete), described.
std::vector<std::string> unserved_under(const std::string& yaml, std::set<std::string> identity) {
  RowImages images;
  images.old_row = std::move(identity);
  std::vector<std::string> out;
  for (const ImageRead& read : unserved_reads(requirements_of(yaml), images)) {
    out.push_back(describe(read));
  }
  return out;
}

const std::set<std::string> kKeyId = {"id"};

}  // namespace

TEST_CASE("row image rule: before.x and changed(x) anywhere need the old row") {
  const std::string users = R"(
table: public.users
customer:
  id: id
  fields: { email: email, label: "{{before.plan}} -> {{plan}}" }
events:
  - name: plan_changed
    on: update
    when: changed(plan)
    data: { old_plan: before.plan, new_plan: plan }
)";
  CHECK(unserved_under(users, kKeyId) ==
        std::vector<std::string>{"before.plan in customer.fields.label",
                                 "before.plan in events[0].data.old_plan",
                                 "changed(plan) in events[0].when"});
  // A key column's old value is logged.
  CHECK(unserved_under("table: public.t\ncustomer: { id: id }\nevents:\n  - { name: e, on: "
                       "update, when: changed(id), data: { was: before.id } }\n",
                       kKeyId)
            .empty());
}

TEST_CASE("row image rule: the customer id outside the identity, unless on_delete is ignore") {
  const std::string by_email = "table: public.users\ncustomer: { id: email, fields: { n: name }";
  CHECK(unserved_under(by_email + ", on_delete: delete }\n", kKeyId) ==
        std::vector<std::string>{
            "email in customer.id (deletes and id changes name the old customer)"});
  CHECK(unserved_under(by_email + " }\n", kKeyId).empty());  // ignore, the default
  CHECK(unserved_under(by_email + ", on_delete: delete }\n", {"email"}).empty());
  // A template id reads each of its columns.
  CHECK(unserved_under("table: public.t\ncustomer: { id: \"{{region}}-{{id}}\", on_delete: "
                       "delete }\n",
                       kKeyId) ==
        std::vector<std::string>{
            "region in customer.id (deletes and id changes name the old customer)"});
}

TEST_CASE("row image rule: on_delete set fields that read columns; constants need nothing") {
  const std::string subs = R"(
table: public.subscriptions
customer:
  id: user_id
  on_delete:
    set: { active: false, last_plan: { column: plan }, note: { template: "{{plan}} ended" } }
)";
  CHECK(unserved_under(subs, {"user_id"}) ==
        std::vector<std::string>{"plan in customer.on_delete.set.last_plan (on_delete: set)",
                                 "plan in customer.on_delete.set.note (on_delete: set)"});
  CHECK(unserved_under("table: public.s\ncustomer: { id: user_id, on_delete: { set: { active: "
                       "false } } }\n",
                       {"user_id"})
            .empty());
}

TEST_CASE("row image rule: the array's customer_id and item_id outside the identity") {
  const std::string orders = R"(
table: public.orders
array: { customer_id: user_id, field: purchases, item_id: code, fields: { total: total } }
)";
  CHECK(unserved_under(orders, kKeyId) ==
        std::vector<std::string>{
            "user_id in array.customer_id (deletes and moves name the old customer)",
            "code in array.item_id (deletes and id changes name the old item)"});
  CHECK(unserved_under(orders, {"user_id", "code"}).empty());  // a composite key
}

TEST_CASE("row image rule: everything a delete event reads") {
  const std::string yaml = R"(
table: public.orders
events:
  - name: order_deleted
    on: delete
    when: status != 'draft'
    customer_id: user_id
    data: { amount: total, gone: after.total, order: id }
  - { name: order_placed, on: insert, customer_id: user_id, data: { amount: total } }
)";
  CHECK(unserved_under(yaml, kKeyId) ==
        std::vector<std::string>{"status in events[0].when of a delete event",
                                 "user_id in events[0].customer_id of a delete event",
                                 "total in events[0].data.amount of a delete event"});
}

TEST_CASE("row image rule: a where needs the old row only when the table has events") {
  const std::string array = R"(
table: public.orders
where: status != 'draft'
array: { customer_id: user_id, field: purchases, item_id: id, fields: { total: total } }
)";
  const std::set<std::string> key = {"user_id", "id"};
  // Calls alone: leaving the filter sends idempotent removals, upserts are idempotent.
  CHECK(unserved_under(array, key).empty());
  CHECK(unserved_under("table: public.users\nwhere: active\ncustomer: { id: id, on_delete: "
                       "delete }\n",
                       kKeyId)
            .empty());
  // Events: entering or leaving the filter decides which fire.
  CHECK(unserved_under(array + "events:\n  - { name: placed, on: insert, data: { t: total } }\n",
                       key) == std::vector<std::string>{"status in a where with events"});
}

TEST_CASE("row image rule: a full old row serves every read; allow_partial is carried") {
  const std::string yaml = R"(
table: public.users
allow_partial: true
customer: { id: email, on_delete: delete }
events: [ { name: e, on: update, when: changed(plan) } ]
)";
  CHECK(unserved_reads(requirements_of(yaml), RowImages{}).empty());
  CHECK(requirements_of(yaml).allow_partial);
  CHECK_FALSE(requirements_of("table: public.t\ncustomer: { id: id }\n").allow_partial);
}

TEST_CASE("row image rule: new rows that may lack columns (MySQL MINIMAL, NOBLOB)") {
  const std::string yaml = R"(
table: app.orders
where: status != 'draft'
customer: { id: email, fields: { bio: bio } }
array: { customer_id: user_id, field: purchases, item_id: id, fields: { total: total } }
events:
  - { name: shipped, on: update, when: "changed(status) and total > 0", customer_id: user_id }
)";
  RowImages minimal;
  minimal.old_row = std::set<std::string>{"id"};
  minimal.new_row = minimal.old_row;
  std::vector<std::string> described;
  for (const auto& read : unserved_reads(requirements_of(yaml), minimal)) {
    described.push_back(describe(read));
  }
  CHECK(described == std::vector<std::string>{
                         // old rows
                         "changed(status) in events[0].when",
                         "user_id in array.customer_id (deletes and moves name the old customer)",
                         "status in a where with events",
                         // new rows; customer fields are not among them (upserts merge)
                         "status in the where (a new row it cannot test is rejected)",
                         "email in customer.id of upserts",
                         "user_id in array.customer_id (Retainly replaces items whole)",
                         "total in array.fields.total (Retainly replaces items whole)",
                         "total in events[0].when of an insert or update event",
                         "user_id in events[0].customer_id of an insert or update event"});
}
