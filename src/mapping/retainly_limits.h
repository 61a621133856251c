// Retainly's limits that the mapping enforces (retainly-api-docs.txt: customers,
// arrays and events request bodies).
#pragma once

#include <cstddef>

namespace cdc::mapping {

inline constexpr size_t kMaxCustomerFields = 500;  // "id" included
inline constexpr size_t kMaxArrayAttributes = 15;  // attributes whose value is an array
inline constexpr size_t kMaxEventNameChars = 50;
inline constexpr size_t kMaxEventDataFields = 50;  // the event key field included
inline constexpr size_t kMaxStringChars = 1000;    // Unicode code points, at any depth

}  // namespace cdc::mapping
