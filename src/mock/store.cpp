#include "mock/store.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "mock/mixed_id.h"

namespace cdc::mock {
namespace {

using nlohmann::json;

// Merges `items` into `array` by item id: replace the item with the same id, append the
// others. The index makes a large batch linear rather than quadratic.
void merge_items(json& array, json& items) {
  std::unordered_map<std::string, size_t> position_by_id;
  for (size_t i = 0; i < array.size(); ++i) {
    const json& item = array[i];
    if (item.is_object()) {
      auto id = item.find("id");
      if (id != item.end() && is_valid_id(*id)) position_by_id.emplace(id_key(*id), i);
    }
  }
  for (json& item : items) {
    auto id = item.find("id");
    if (id == item.end()) {
      array.push_back(std::move(item));
      continue;
    }
    auto [slot, inserted] = position_by_id.emplace(id_key(*id), array.size());
    if (inserted) {
      array.push_back(std::move(item));
    } else {
      array[slot->second] = std::move(item);
    }
  }
}

}  // namespace

json& Store::find_or_create(const json& id) {
  auto [it, inserted] = customers_.try_emplace(id_key(id));
  if (inserted) it->second = json{{"id", id}};
  return it->second;
}

size_t Store::upsert_customers(json customers) {
  std::lock_guard lock(mutex_);
  for (json& incoming : customers) {
    auto [it, inserted] = customers_.try_emplace(id_key(incoming["id"]));
    if (inserted) {
      // A new customer is the object as sent: moved whole, which a backfill makes common.
      it->second = std::move(incoming);
      continue;
    }
    for (auto& [key, value] : incoming.items()) {
      if (key != "id") it->second[key] = std::move(value);
    }
  }
  return customers.size();
}

size_t Store::upsert_array_items(json records) {
  std::lock_guard lock(mutex_);
  for (json& record : records) {
    json& stored = find_or_create(record["customer_id"]);
    json& array = stored[record["field"].get_ref<const std::string&>()];
    // A field sent before as a scalar becomes an array: the API has one type per field.
    if (!array.is_array()) array = json::array();
    merge_items(array, record["data"]);
  }
  return records.size();
}

size_t Store::delete_customers(const json& ids) {
  std::lock_guard lock(mutex_);
  for (const json& id : ids) customers_.erase(id_key(id));
  return ids.size();
}

size_t Store::delete_array_items(const json& records) {
  std::lock_guard lock(mutex_);
  for (const json& record : records) {
    auto customer = customers_.find(id_key(record["customer_id"]));
    if (customer == customers_.end()) continue;
    auto field = customer->second.find(record["field"].get_ref<const std::string&>());
    if (field == customer->second.end() || !field->is_array()) continue;
    std::unordered_set<std::string> doomed;
    for (const json& id : record["ids"]) doomed.insert(id_key(id));
    std::erase_if(field->get_ref<json::array_t&>(), [&](const json& item) {
      if (!item.is_object()) return false;
      auto id = item.find("id");
      return id != item.end() && is_valid_id(*id) && doomed.contains(id_key(*id));
    });
  }
  return records.size();
}

void Store::add_event(json event) {
  json recorded = {{"customer_id", std::move(event["customer_id"])},
                   {"event", std::move(event["event"])},
                   {"data", json::object()}};
  if (auto data = event.find("data"); data != event.end()) recorded["data"] = std::move(*data);
  std::lock_guard lock(mutex_);
  events_.push_back(std::move(recorded));
}

json Store::snapshot() const {
  std::lock_guard lock(mutex_);
  json customers = json::object();
  for (const auto& [key, fields] : customers_) customers[key] = fields;
  return {{"customers", std::move(customers)}, {"events", events_}};
}

json Store::customer(const json& id) const {
  std::lock_guard lock(mutex_);
  auto it = customers_.find(id_key(id));
  return it == customers_.end() ? json() : it->second;
}

size_t Store::customer_count() const {
  std::lock_guard lock(mutex_);
  return customers_.size();
}

size_t Store::event_count() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

void Store::clear() {
  std::lock_guard lock(mutex_);
  customers_.clear();
  events_.clear();
}

}  // namespace cdc::mock
