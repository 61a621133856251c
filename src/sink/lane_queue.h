// One customer's calls that are waiting to be sent, in source order, coalesced as the
// delivery rules allow (PRODUCT.md, "Delivery semantics"). Pure: no I/O, no clock reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "retainly/call.h"
#include "sink/clock.h"

namespace cdc::sink {

// One record (or array item, or id) of a request body, and the calls it settles.
struct Unit {
  // As it will be sent: several customer upserts merged into one are one call here.
  retainly::Call call;
  // Calls merged into this one or superseded by it: settled when it is.
  std::vector<uint64_t> also_settles;
  // When the oldest call it holds was added: the flush interval counts from here.
  Clock::TimePoint arrived;
  size_t size = 0;  // retainly::estimated_record_size(call)

  size_t call_count() const { return 1 + also_settles.size(); }
};

// Units are held by pointer: handing them from a lane to a request, sorting a request's
// array items and splitting a request then move pointers instead of a call's strings,
// and a finished unit is reused instead of freed. Not thread-safe.
using UnitPtr = std::unique_ptr<Unit>;
class UnitPool {
 public:
  // A unit that settles nothing, for a call to be moved into (its call is a finished
  // one, or empty).
  UnitPtr take();
  // Takes back a finished unit. Its call's attribute list goes to the spent lists (freed
  // when they are full).
  void give(UnitPtr unit);

  // The attribute lists of finished calls, for the thread that builds calls to reuse
  // (retainly::CallMemory): swapped into `out`, which must be empty.
  void take_spent(std::vector<std::vector<retainly::Attribute>>& out);

 private:
  // The units of every call in flight at the default max_pending_calls: a steady stream
  // then allocates none (with a fifth of that, a 5-field stream freed and allocated a unit
  // for most calls). Beyond it they are freed.
  static constexpr size_t kMaxSpare = 20000;
  // A spare unit keeps its call's memory until reused, up to this estimated size.
  static constexpr size_t kMaxKeptBytes = 1024;
  // Spent lists beyond this are freed here: nobody took them.
  static constexpr size_t kMaxSpent = 8192;
  std::vector<UnitPtr> spare_;
  std::vector<std::vector<retainly::Attribute>> spent_;
};

// Not thread-safe. Only units not yet handed to a request live here; what is in flight
// is never changed by later calls.
class LaneQueue {
 public:
  // Adds `call` (of this lane's customer) behind the waiting units:
  //  - a customer upsert right behind another merges into it (attributes by name, the
  //    later value wins; the later id text and origin are kept);
  //  - a customer delete supersedes the waiting upserts behind the last event or delete
  //    (array units in between stay, in order), and merges into a delete right ahead;
  //  - an array upsert replaces a waiting upsert of the same field and item in the run of
  //    array upserts at the tail (Retainly replaces items by id); an array delete merges
  //    with a delete of the same field and item in the tail run of array deletes;
  //  - anything else, events always, queues behind.
  // Merged or superseded calls settle with the unit that took them.
  // Units come from `pool`, and units it makes moot go back there.
  void add(retainly::Call&& call, Clock::TimePoint now, UnitPool& pool);

  bool empty() const { return units_.empty(); }
  size_t size() const { return units_.size(); }
  const Unit& at(size_t index) const { return *units_[index]; }
  // REQUIRES: !empty().
  retainly::CallKind head_kind() const { return units_.front()->call.kind; }
  Clock::TimePoint head_arrived() const { return units_.front()->arrived; }

  // The leading units that share the head's kind (they may travel in one request), and
  // their estimated bytes.
  size_t head_run() const { return head_run_; }
  size_t head_run_bytes() const { return head_run_bytes_; }

  // Moves the first `count` units to the back of `out`. REQUIRES: count <= head_run().
  void take_front(size_t count, std::vector<UnitPtr>& out);

 private:
  void push(UnitPtr unit);
  // Before a unit of `kind` and `size` joins the tail: the head run grows if it reaches it.
  void count_pushed(retainly::CallKind kind, size_t size);
  void recount();
  void supersede_upserts(Unit& delete_unit, UnitPool& pool);
  // The index of the unit of `call`'s kind with the same field and item in the run of
  // that kind at the tail, if any.
  std::optional<size_t> find_in_tail_run(const retainly::Call& call) const;
  // Re-estimates the size of the unit at `index` after it changed.
  void resize(size_t index);

  // A vector, not a deque: lanes are short (a few units), a deque allocates a block of
  // its own, and a lane reused from the pool keeps its capacity.
  std::vector<UnitPtr> units_;
  size_t head_run_ = 0;
  size_t head_run_bytes_ = 0;
};

}  // namespace cdc::sink
