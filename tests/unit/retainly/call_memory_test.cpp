#include "retainly/call_memory.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using cdc::retainly::Attribute;
using cdc::retainly::CallMemory;

namespace {

using Lists = std::vector<std::vector<Attribute>>;

std::vector<Attribute> spent_list(size_t attributes) {
  std::vector<Attribute> list;
  for (size_t i = 0; i < attributes; ++i) {
    list.push_back({"field_" + std::to_string(i), "\"" + std::string(40, 'x') + "\""});
  }
  return list;
}

}  // namespace

TEST_CASE("call memory: spent lists come back empty, in their own buffers") {
  CallMemory memory;
  Lists spent;
  spent.push_back(spent_list(5));
  const Attribute* buffer = spent.back().data();
  memory.reclaim(spent);
  CHECK(spent.empty());
  CHECK(memory.kept() == 1);

  std::vector<Attribute> list = memory.attributes();
  CHECK(list.empty());
  CHECK(list.data() == buffer);  // the same memory, not a new allocation
  CHECK(list.capacity() >= 5);
  CHECK(memory.kept() == 0);
  // Nothing kept: a list of its own, as before.
  CHECK(memory.attributes().capacity() == 0);
}

TEST_CASE("call memory: a batch joins those kept, up to the bound") {
  CallMemory memory;
  Lists spent(3, spent_list(2));
  memory.reclaim(spent);
  spent.assign(CallMemory::kMaxLists, spent_list(1));
  memory.reclaim(spent);
  CHECK(spent.empty());  // what did not fit was freed
  CHECK(memory.kept() == CallMemory::kMaxLists);
  CHECK_FALSE(memory.wants_more());
  for (size_t i = 0; i < CallMemory::kMaxLists / 2 + 1; ++i) memory.attributes();
  CHECK(memory.wants_more());
}

TEST_CASE("call memory: a batch larger than the bound, taken whole, is cut to it") {
  CallMemory memory;
  Lists spent(CallMemory::kMaxLists + 10, spent_list(1));
  memory.reclaim(spent);
  CHECK(spent.empty());
  CHECK(memory.kept() == CallMemory::kMaxLists);
}

TEST_CASE("call memory: a list with room for a wide call is not reused") {
  CallMemory memory;
  Lists spent;
  spent.push_back(spent_list(CallMemory::kMaxListCapacity + 1));
  spent.push_back(spent_list(3));
  const Attribute* narrow = spent.back().data();
  spent.insert(spent.begin(), spent_list(1));
  memory.reclaim(spent);
  // Taken from the back: the narrow list, then the wide one is passed over.
  CHECK(memory.attributes().data() == narrow);
  const std::vector<Attribute> next = memory.attributes();
  CHECK(next.capacity() <= CallMemory::kMaxListCapacity);
  CHECK(next.capacity() >= 1);
  CHECK(memory.kept() == 0);
}
