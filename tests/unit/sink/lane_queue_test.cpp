#include "sink/lane_queue.h"

#include <doctest/doctest.h>

#include <string>

#include "call_builders.h"
#include "retainly/request_body.h"

using namespace cdc::sink;
using namespace cdc::sink::testing;
using cdc::retainly::Attribute;
using cdc::retainly::Call;
using cdc::retainly::CallKind;

namespace {

struct Lane {
  LaneQueue queue;
  UnitPool pool;
  uint64_t sequence = 0;
  Clock::TimePoint now{};

  void add(Call call) {
    call.sequence = ++sequence;
    queue.add(std::move(call), now, pool);
  }
};

}  // namespace

TEST_CASE("lane: consecutive customer upserts merge, later attributes winning by name") {
  Lane lane;
  lane.add(upsert("1", {{"a", "1"}, {"b", "\"x\""}}));
  lane.add(upsert("\"1\"", {{"a", "2"}, {"c", "true"}}));
  REQUIRE(lane.queue.size() == 1);
  const Unit& unit = lane.queue.at(0);
  CHECK(unit.call.attributes == std::vector<Attribute>{{"a", "2"}, {"b", "\"x\""}, {"c", "true"}});
  CHECK(unit.call.customer_id == "\"1\"");  // the later id text
  CHECK(unit.call.sequence == 1);
  CHECK(unit.also_settles == std::vector<uint64_t>{2});
}

TEST_CASE("lane: an event between upserts keeps them apart") {
  Lane lane;
  lane.add(upsert("1", {{"a", "1"}}));
  lane.add(event("1", "plan_changed"));
  lane.add(upsert("1", {{"a", "2"}}));
  REQUIRE(lane.queue.size() == 3);
  CHECK(lane.queue.at(2).call.attributes == std::vector<Attribute>{{"a", "2"}});
}

TEST_CASE("lane: a delete supersedes the waiting upserts back to the last event") {
  Lane lane;
  lane.add(upsert("1", {{"a", "1"}}));           // 1: kept, an event follows
  lane.add(event("1", "signed_up"));             // 2
  lane.add(upsert("1", {{"a", "2"}}));           // 3: superseded
  lane.add(array_item("1", "purchases", "10"));  // 4: stays, in order
  lane.add(upsert("1", {{"a", "3"}}));           // 5: superseded
  lane.add(deletion("1"));                       // 6
  REQUIRE(lane.queue.size() == 4);
  CHECK(lane.queue.at(0).call.kind == CallKind::kCustomerUpsert);
  CHECK(lane.queue.at(1).call.kind == CallKind::kEvent);
  CHECK(lane.queue.at(2).call.kind == CallKind::kArrayUpsert);
  const Unit& removal = lane.queue.at(3);
  CHECK(removal.call.kind == CallKind::kCustomerDelete);
  CHECK(removal.call.sequence == 6);
  CHECK(removal.call_count() == 3);  // itself and the upserts 3 and 5
}

TEST_CASE("lane: an upsert after a delete queues behind it; a second delete merges") {
  Lane lane;
  lane.add(deletion("1"));
  lane.add(upsert("1", {{"a", "1"}}));
  REQUIRE(lane.queue.size() == 2);
  CHECK(lane.queue.at(1).call.kind == CallKind::kCustomerUpsert);

  lane.add(deletion("1"));  // supersedes the upsert, then merges into the first delete
  REQUIRE(lane.queue.size() == 1);
  CHECK(lane.queue.at(0).call_count() == 3);
}

TEST_CASE("lane: array upserts of one item collapse to the latest; other items queue") {
  Lane lane;
  lane.add(array_item("1", "purchases", "10", {{"amount", "5"}, {"note", "\"x\""}}));
  lane.add(array_item("1", "purchases", "11", {{"amount", "6"}}));
  lane.add(array_item("1", "purchases", "10", {{"amount", "7"}}));
  lane.add(array_item("1", "bookings", "10", {{"seats", "2"}}));
  REQUIRE(lane.queue.size() == 3);
  // Retainly replaces an item by id, so the latest item is sent whole, in the old place.
  CHECK(lane.queue.at(0).call.attributes == std::vector<Attribute>{{"amount", "7"}});
  CHECK(lane.queue.at(0).call_count() == 2);
  CHECK(lane.queue.head_run() == 3);
}

TEST_CASE("lane: the head run counts the leading units of one kind and their bytes") {
  Lane lane;
  lane.add(array_item("1", "purchases", "10"));
  lane.add(array_item("1", "purchases", "11"));
  lane.add(event("1", "ordered"));
  lane.add(array_item("1", "purchases", "12"));
  CHECK(lane.queue.head_kind() == CallKind::kArrayUpsert);
  CHECK(lane.queue.head_run() == 2);
  CHECK(lane.queue.head_run_bytes() == lane.queue.at(0).size + lane.queue.at(1).size);

  std::vector<UnitPtr> taken;
  lane.queue.take_front(2, taken);
  CHECK(taken.size() == 2);
  CHECK(lane.queue.head_kind() == CallKind::kEvent);
  CHECK(lane.queue.head_run() == 1);
}

TEST_CASE("unit pool: a finished unit comes back settling nothing; a large call is freed") {
  UnitPool pool;
  UnitPtr unit = pool.take();
  unit->call = upsert("1", {{"a", "1"}});
  unit->also_settles = {7, 8};
  unit->size = cdc::retainly::estimated_record_size(unit->call);
  const Unit* address = unit.get();
  pool.give(std::move(unit));

  UnitPtr again = pool.take();
  CHECK(again.get() == address);
  CHECK(again->also_settles.empty());
  CHECK(again->size == 0);
  CHECK(pool.take().get() != address);  // the pool had one

  again->call = upsert("2", {{"note", "\"" + std::string(5000, 'x') + "\""}});
  again->size = cdc::retainly::estimated_record_size(again->call);
  pool.give(std::move(again));
  CHECK(pool.take()->call.attributes.empty());  // not pinned by the pool
}

TEST_CASE("unit pool: a finished unit's attribute list goes to the spent lists") {
  UnitPool pool;
  UnitPtr unit = pool.take();
  unit->call = upsert("1", {{"a", "1"}, {"b", "2"}});
  const Attribute* buffer = unit->call.attributes.data();
  pool.give(std::move(unit));
  std::vector<std::vector<Attribute>> spent;
  pool.take_spent(spent);
  REQUIRE(spent.size() == 1);
  CHECK(spent[0].data() == buffer);
  CHECK(spent[0] == std::vector<Attribute>{{"a", "1"}, {"b", "2"}});
  // The unit comes back without it, and taken lists are gone from the pool.
  CHECK(pool.take()->call.attributes.empty());
  std::vector<std::vector<Attribute>> again;
  pool.take_spent(again);
  CHECK(again.empty());
}
