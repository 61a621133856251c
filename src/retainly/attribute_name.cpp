#include "retainly/attribute_name.h"

#include <mutex>
#include <unordered_set>

namespace cdc::retainly {

AttributeName AttributeName::interned(std::string_view text) {
  // Node-based: an element's address stays put as the set grows. Reached when mappings
  // load, not per row.
  static std::mutex mutex;
  static std::unordered_set<std::string>* names = new std::unordered_set<std::string>();
  AttributeName name;
  std::lock_guard lock(mutex);
  name.interned_ = &*names->emplace(text).first;
  return name;
}

}  // namespace cdc::retainly
