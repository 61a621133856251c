// Stamps for the last-sent store's tests: made from names and JSON as the filter makes
// them, and read back.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

#include "state/last_sent_store.h"

namespace cdc::test {

inline state::FieldStamp field(std::string_view name, std::string_view json, uint16_t table = 1) {
  return {state::field_name_hash(name), table, state::field_value_hash(name, json)};
}

inline state::FieldStamp presence(uint16_t table) { return {state::kPresenceName, table, 0}; }

// In the order the store keeps a customer's stamps: by name, then table.
inline std::vector<state::FieldStamp> sorted(std::vector<state::FieldStamp> stamps) {
  std::sort(stamps.begin(), stamps.end(),
            [](const state::FieldStamp& a, const state::FieldStamp& b) {
              return a.name != b.name ? a.name < b.name : a.table < b.table;
            });
  return stamps;
}

inline std::vector<state::FieldStamp> customer(state::LastSentStore& store, std::string_view id) {
  std::vector<state::FieldStamp> out;
  store.customer(id, out);
  return out;
}

}  // namespace cdc::test
