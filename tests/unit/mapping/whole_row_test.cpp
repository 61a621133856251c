// needs_whole_row(): which updates lack values the mapping needs (PostgreSQL's unchanged
// TOAST under the default replica identity), so the pipeline reads their rows again.
#include <doctest/doctest.h>

#include "mapping_fixture.h"

using cdc::Null;
using cdc::Row;
using cdc::Unchanged;
using namespace cdc::mapping;
using namespace cdc::mapping::testing;

namespace {

const auto kOrders = make_schema("public.orders", {"user_id", "id", "status", "details", "notes"},
                                 {"user_id", "id"});
const char* kOrdersArray = R"(
table: public.orders
array: { customer_id: user_id, field: orders, item_id: id, fields: { status: status, details: details } }
)";

const auto kUsers = make_schema("public.users", {"id", "email", "bio", "notes"});

Mapper users_by(const char* id, const char* on_delete = "ignore") {
  return mapper_from(std::string("table: public.users\ncustomer: { id: ") + id +
                     ", fields: { email: email, bio: bio }, on_delete: " + on_delete + " }\n");
}

}  // namespace

TEST_CASE("whole row: an array item field left unchanged needs the row (items are replaced)") {
  const Mapper mapper = mapper_from(kOrdersArray);
  CHECK(mapper.needs_whole_row(update_of(kOrders, {}, Row{42, 7, "shipped", Unchanged{}, "n"})));
  // A column no mapping reads does not.
  CHECK_FALSE(
      mapper.needs_whole_row(update_of(kOrders, {}, Row{42, 7, "shipped", "d", Unchanged{}})));
  // Nothing left out, or not an update: nothing to read.
  CHECK_FALSE(mapper.needs_whole_row(update_of(kOrders, {}, Row{42, 7, "shipped", "d", "n"})));
  CHECK_FALSE(mapper.needs_whole_row(insert_of(kOrders, Row{42, 7, "placed", "d", "n"})));
  // The old image carries the value (REPLICA IDENTITY FULL): the mapping reads it there.
  CHECK_FALSE(mapper.needs_whole_row(
      update_of(kOrders, Row{42, 7, "placed", "d", "n"}, Row{42, 7, "shipped", Unchanged{}, "n"})));
  // A key-only old image (the key changed) does not.
  CHECK(mapper.needs_whole_row(update_of(kOrders, Row{41, 7, Unchanged{}, Unchanged{}, Unchanged{}},
                                         Row{42, 7, "shipped", Unchanged{}, "n"})));
}

TEST_CASE("whole row: a customer field left unchanged needs the row only when the id may change") {
  const Row now{2, "b@x", Unchanged{}, "n"};
  // id: id, the key. No old image: the key did not change, Retainly merges the upsert.
  CHECK_FALSE(users_by("id", "delete").needs_whole_row(update_of(kUsers, {}, now)));
  // The key changed (PostgreSQL sends the old key): customer 2 is new to Retainly.
  const Row old_key{3, Unchanged{}, Unchanged{}, Unchanged{}};
  CHECK(users_by("id", "delete").needs_whole_row(update_of(kUsers, old_key, now)));
  // The same old key, unchanged.
  const Row same_key{2, Unchanged{}, Unchanged{}, Unchanged{}};
  CHECK_FALSE(users_by("id", "delete").needs_whole_row(update_of(kUsers, same_key, now)));
  // id: email, not in the key: its old value is unknown, so nothing proves it did not change.
  CHECK(users_by("email").needs_whole_row(update_of(kUsers, {}, now)));
  CHECK(users_by("email").needs_whole_row(update_of(kUsers, old_key, now)));
  // A full old image with the same email: unchanged, and bio is in the old image anyway.
  CHECK_FALSE(users_by("email").needs_whole_row(update_of(kUsers, Row{2, "b@x", "bio", "n"}, now)));
  // Unchanged columns the mapping does not read never need it.
  CHECK_FALSE(
      users_by("email").needs_whole_row(update_of(kUsers, {}, Row{2, "b@x", "x", Unchanged{}})));
}

TEST_CASE("whole row: conditions and events that read a column left unchanged need the row") {
  const Mapper where = mapper_from(
      "table: public.users\nwhere: notes != 'x'\ncustomer: { id: id, fields: { email: email } }\n");
  CHECK(where.needs_whole_row(update_of(kUsers, {}, Row{2, "b@x", "bio", Unchanged{}})));
  const Mapper events = mapper_from(R"(
table: public.users
events:
  - { name: bio_changed, on: update, customer_id: id, when: changed(bio) }
  - { name: noted, on: update, customer_id: id, when: notes == 'vip' }
)");
  // changed() of a column the update left alone is false without reading it.
  CHECK_FALSE(events.needs_whole_row(update_of(kUsers, {}, Row{2, "b@x", Unchanged{}, "n"})));
  CHECK(events.needs_whole_row(update_of(kUsers, {}, Row{2, "b@x", "bio", Unchanged{}})));
  const Mapper data = mapper_from(
      "table: public.users\nevents:\n  - { name: e, on: update, customer_id: id, data: { b: bio } "
      "}\n");
  CHECK(data.needs_whole_row(update_of(kUsers, {}, Row{2, "b@x", Unchanged{}, "n"})));
}

TEST_CASE("whole row: columns_read lists every column the mapping reads, in schema order") {
  const Mapper mapper = mapper_from(kOrdersArray);
  CHECK(mapper.columns_read(kOrders) == std::vector<size_t>{0, 1, 2, 3});
  CHECK(mapper.columns_read(kUsers).empty());  // not mapped
  CHECK_FALSE(mapper.needs_whole_row(update_of(kUsers, {}, Row{1, Unchanged{}, "b", "n"})));
}
