// The in-memory Retainly workspace: customers (with their array fields) and events.
//
// Semantics (PRODUCT.md, settled ambiguities):
//   - customers are keyed by id_key(id), so 1 and "1" are one customer; the stored "id"
//     keeps the value first sent;
//   - a customer upsert merges: the fields sent replace those fields, the others stay;
//   - an array upsert replaces the item with the same id_key(item "id") or appends it,
//     and appends every item without an id; a missing customer is created;
//   - deletes of missing customers, fields or items are no-ops.
//
// Threading: every member function may be called from any thread; each one is atomic
// with respect to the others. Inputs must have passed request_validation: the store
// does not re-check them.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdc::mock {

class Store {
 public:
  // `customers` is the validated "customers" array; it is consumed. Returns the count.
  size_t upsert_customers(nlohmann::json customers);

  // `records` is the validated POST /arrays "records" array; it is consumed.
  size_t upsert_array_items(nlohmann::json records);

  // `ids` is the validated "customers_ids" array.
  size_t delete_customers(const nlohmann::json& ids);

  // `records` is the validated DELETE /arrays "records" array.
  size_t delete_array_items(const nlohmann::json& records);

  // `event` is the validated POST /events body; it is consumed. Kept in arrival order
  // as {"customer_id", "event", "data"} (data {} when absent). Customers are untouched.
  void add_event(nlohmann::json event);

  // {"customers": {"<id_key>": {fields...}}, "events": [...]}: a copy, for /_state.
  nlohmann::json snapshot() const;

  // The customer's fields, or null if there is no such customer.
  nlohmann::json customer(const nlohmann::json& id) const;

  size_t customer_count() const;
  size_t event_count() const;

  void clear();

 private:
  // Returns the customer keyed by id_key(id), creating {"id": id} if missing.
  // REQUIRES: mutex_ held.
  nlohmann::json& find_or_create(const nlohmann::json& id);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, nlohmann::json> customers_;
  std::vector<nlohmann::json> events_;
};

}  // namespace cdc::mock
