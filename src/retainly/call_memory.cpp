#include "retainly/call_memory.h"

#include <utility>

namespace cdc::retainly {

void CallMemory::reclaim(std::vector<std::vector<Attribute>>& lists) {
  if (spent_.empty()) {
    spent_.swap(lists);  // the common case, and no list moved
    if (spent_.size() > kMaxLists) spent_.resize(kMaxLists);
  } else {
    for (std::vector<Attribute>& list : lists) {
      if (spent_.size() >= kMaxLists) break;
      spent_.push_back(std::move(list));
    }
  }
  lists.clear();  // what did not fit is freed
}

std::vector<Attribute> CallMemory::attributes() {
  while (!spent_.empty()) {
    std::vector<Attribute> list = std::move(spent_.back());
    spent_.pop_back();
    list.clear();
    if (list.capacity() <= kMaxListCapacity) return list;
  }
  return {};
}

}  // namespace cdc::retainly
