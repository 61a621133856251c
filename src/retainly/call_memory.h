// The attribute lists of calls the sink is done with, handed back to the thread that
// built them.
//
// The mapping's thread allocates a call's attribute list and its longer JSON texts; the
// sink's thread used to free them once Retainly had answered. Memory freed on a thread
// other than the one that allocated it takes the allocator's slow path on both sides
// (jemalloc: the freeing thread's cache flushed into the other thread's arena, the
// allocating thread's cache refilled from it). Here a spent list is emptied on the thread
// that allocated it, just before that thread builds a call in it: its texts go into the
// thread's cache, and the new call's texts come out of it.
#pragma once

#include <cstddef>
#include <vector>

#include "retainly/call.h"

namespace cdc::retainly {

// Not thread-safe: the thread that builds calls owns it (the sink hands spent lists over
// under its own lock). Bounded: what it cannot keep is freed.
class CallMemory {
 public:
  // Takes the spent attribute lists (Call::attributes) in `lists`, leaving it empty.
  void reclaim(std::vector<std::vector<Attribute>>& lists);

  // An empty attribute list: a spent one, emptied now, if one is left.
  std::vector<Attribute> attributes();

  // Whether another batch of spent lists would be kept.
  bool wants_more() const { return spent_.size() < kMaxLists / 2; }
  size_t kept() const { return spent_.size(); }

  // A list with more room than this is not reused: one wide call must not pin its memory.
  static constexpr size_t kMaxListCapacity = 64;
  // About the calls of a few of the sink's largest requests.
  static constexpr size_t kMaxLists = 8192;

 private:
  std::vector<std::vector<Attribute>> spent_;
};

}  // namespace cdc::retainly
