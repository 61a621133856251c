#include "support/state_comparison.h"

#include <optional>
#include <set>
#include <vector>

namespace cdc::test {
namespace {

using nlohmann::json;

// A value as short text: long strings (TOASTed columns) would drown the message.
std::string shortened(const json* value) {
  if (value == nullptr) return "(absent)";
  std::string text = value->dump();
  if (text.size() <= 70) return text;
  return text.substr(0, 50) + "...(" + std::to_string(text.size()) + " characters)";
}

const json* field_of(const json& object, const std::string& key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Items of an array field by their "id" as text; nullopt when some item has none.
std::optional<std::map<std::string, json>> items_by_id(const json* array) {
  std::map<std::string, json> items;
  if (array == nullptr) return items;
  if (!array->is_array()) return std::nullopt;
  for (const auto& item : *array) {
    if (!item.is_object() || !item.contains("id")) return std::nullopt;
    const json& id = item.at("id");
    items[id.is_string() ? id.get<std::string>() : id.dump()] = item;
  }
  return items;
}

std::set<std::string> keys_of(const json& a, const json& b) {
  std::set<std::string> keys;
  for (const auto& [key, value] : a.items()) keys.insert(key);
  for (const auto& [key, value] : b.items()) keys.insert(key);
  return keys;
}

// Counts of differences by kind ("field bio differs", "tickets: item missing"...), with
// the first few examples of each.
struct Tally {
  struct Kind {
    int count = 0;
    std::vector<std::string> examples;
  };
  std::map<std::string, Kind> kinds;
  int examples_per_kind;

  void add(const std::string& kind, const std::string& where, const json* expected,
           const json* actual) {
    Kind& entry = kinds[kind];
    ++entry.count;
    if (static_cast<int>(entry.examples.size()) >= examples_per_kind) return;
    entry.examples.push_back("\n    " + where + ": expected " + shortened(expected) +
                             ", mock has " + shortened(actual));
  }
};

void compare_items(const std::string& id, const std::string& field,
                   const std::map<std::string, json>& expected,
                   const std::map<std::string, json>& actual, Tally& tally) {
  std::set<std::string> item_ids;
  for (const auto& [item_id, item] : expected) item_ids.insert(item_id);
  for (const auto& [item_id, item] : actual) item_ids.insert(item_id);
  for (const auto& item_id : item_ids) {
    const std::string where = "customer " + id + " " + field + " item " + item_id;
    auto e = expected.find(item_id);
    auto a = actual.find(item_id);
    if (a == actual.end()) {
      tally.add(field + ": item missing", where, &e->second, nullptr);
    } else if (e == expected.end()) {
      tally.add(field + ": item extra", where, nullptr, &a->second);
    } else {
      for (const auto& key : keys_of(e->second, a->second)) {
        const json* want = field_of(e->second, key);
        const json* have = field_of(a->second, key);
        if (want && have && *want == *have) continue;
        tally.add(field + ": item field " + key + " differs", where + " " + key, want, have);
      }
    }
  }
}

}  // namespace

std::string customer_differences(const CustomerMap& expected, const CustomerMap& actual) {
  std::set<std::string> ids;
  for (const auto& [id, fields] : expected) ids.insert(id);
  for (const auto& [id, fields] : actual) ids.insert(id);
  std::string text;
  int shown = 0;
  for (const auto& id : ids) {
    auto e = expected.find(id);
    auto a = actual.find(id);
    const std::string want = e == expected.end() ? "nothing" : e->second.dump();
    const std::string have = a == actual.end() ? "nothing" : a->second.dump();
    if (want == have || ++shown > 5) continue;
    text += "\n customer " + id + "\n  expected " + want + "\n  mock has " + have;
  }
  return text;
}

std::string field_differences(const CustomerMap& expected, const CustomerMap& actual,
                              int examples) {
  Tally tally{.examples_per_kind = examples};
  std::set<std::string> ids;
  for (const auto& [id, fields] : expected) ids.insert(id);
  for (const auto& [id, fields] : actual) ids.insert(id);
  int equal = 0;
  for (const auto& id : ids) {
    auto e = expected.find(id);
    auto a = actual.find(id);
    if (a == actual.end()) {
      tally.add("customer missing", "customer " + id, &e->second, nullptr);
      continue;
    }
    if (e == expected.end()) {
      tally.add("customer extra", "customer " + id, nullptr, &a->second);
      continue;
    }
    if (e->second == a->second) {
      ++equal;
      continue;
    }
    for (const auto& key : keys_of(e->second, a->second)) {
      const json* want = field_of(e->second, key);
      const json* have = field_of(a->second, key);
      if (want && have && *want == *have) continue;
      auto want_items = items_by_id(want);
      auto have_items = items_by_id(have);
      if (want_items && have_items && (want || have) && (!want || want->is_array()) &&
          (!have || have->is_array())) {
        compare_items(id, key, *want_items, *have_items, tally);
      } else {
        tally.add("field " + key + " differs", "customer " + id + " " + key, want, have);
      }
    }
  }
  std::string text = "\n " + std::to_string(equal) + " of " + std::to_string(ids.size()) +
                     " customers equal; differences by kind (customers or items):";
  for (const auto& [kind, entry] : tally.kinds) {
    text += "\n  " + kind + ": " + std::to_string(entry.count);
    for (const auto& example : entry.examples) text += example;
  }
  return text;
}

}  // namespace cdc::test
