#include "pipeline/sim/sim_checks.h"

#include <fstream>
#include <set>

#include "mock/mixed_id.h"

namespace cdc::pipeline::sim {
namespace {

using nlohmann::json;

int64_t version_of(const json& record) { return record.value("ver", int64_t{-1}); }

// "66304:v66304 66560:deleted": a key's history, for findings.
std::string describe(const std::vector<HistoryEntry>& entries) {
  std::string text;
  for (const HistoryEntry& entry : entries) {
    text += (text.empty() ? "" : " ") + std::to_string(entry.lsn) + ":" +
            (entry.state.record ? "v" + std::to_string(version_of(*entry.state.record))
                                : std::string("deleted")) +
            (entry.state.refused ? "(refused)" : "");
  }
  return text;
}

}  // namespace

std::map<std::string, json> retainly_view(const mock::Store& store) {
  std::map<std::string, json> view;
  const json state = store.snapshot();
  for (const auto& [key, customer] : state["customers"].items()) {
    const json& id = customer["id"];
    if (id.is_number_integer() && id.get<int64_t>() < kFirstAccount) {
      view["c:" + key] = customer;
      continue;
    }
    auto purchases = customer.find("purchases");
    if (purchases == customer.end() || !purchases->is_array()) continue;
    for (const json& item : *purchases) {
      view["i:" + key + ":" + mock::id_key(item["id"])] = item;
    }
  }
  return view;
}

std::vector<std::string> check_acknowledged(const SimWorld& world, const mock::Store& store,
                                            uint64_t lsn) {
  std::vector<std::string> found;
  const auto actual = retainly_view(store);
  for (const auto& [key, entries] : world.history()) {
    const HistoryEntry* at = nullptr;
    bool deleted_later = false;
    bool refused_later = false;
    for (const HistoryEntry& entry : entries) {
      if (entry.lsn <= lsn) {
        at = &entry;
      } else {
        deleted_later = deleted_later || !entry.state.record || entry.deleted_within;
        refused_later = refused_later || entry.state.refused;
      }
    }
    // A later refused version may have absorbed this one: the sink merges upserts of one
    // customer that wait together, and the merged record is refused and dead-lettered.
    if (at == nullptr || at->lsn < world.first_lsn() || at->state.refused || refused_later) {
      continue;
    }
    const auto held = actual.find(key);
    const std::string where = key + " (history " + describe(entries) +
                              ") at acknowledged position " + std::to_string(lsn) + ": ";
    if (at->state.record) {
      const int64_t version = version_of(*at->state.record);
      if (held == actual.end() && !deleted_later) {
        found.push_back(where + "Retainly lacks version " + std::to_string(version));
      } else if (held != actual.end() && version_of(held->second) < version) {
        found.push_back(where + "Retainly holds version " +
                        std::to_string(version_of(held->second)) + ", the log wrote " +
                        std::to_string(version));
      }
    } else if (held != actual.end() && version_of(held->second) <= static_cast<int64_t>(lsn)) {
      found.push_back(where + "deleted at " + std::to_string(at->lsn) +
                      ", but Retainly still holds " + held->second.dump());
    }
  }
  return found;
}

std::vector<std::string> check_final_state(const SimWorld& world, const mock::Store& store) {
  std::vector<std::string> found;
  const auto expected = world.expected_view();
  const auto actual = retainly_view(store);
  std::set<std::string> keys;
  for (const auto& [key, state] : expected) keys.insert(key);
  for (const auto& [key, record] : actual) keys.insert(key);
  for (const std::string& key : keys) {
    const auto want = expected.find(key);
    if (want != expected.end() && want->second.refused) continue;
    const auto held = actual.find(key);
    const json want_record = want == expected.end() ? json() : *want->second.record;
    const json held_record = held == actual.end() ? json() : held->second;
    if (want_record != held_record) {
      found.push_back(key + ": Retainly holds " + held_record.dump() + ", the database " +
                      want_record.dump());
    }
  }

  const ExpectedEvents& events = world.expected_events();
  std::set<std::string> seen;
  const json state = store.snapshot();
  for (const json& event : state["events"]) {
    const std::string key = event["data"].value("event_key", "");
    auto want = events.find(key);
    if (want == events.end()) {
      found.push_back("an event the log never produced: " + event.dump());
    } else if (want->second != event) {
      found.push_back("event " + key + ": Retainly holds " + event.dump() + ", the log produced " +
                      want->second.dump());
    }
    seen.insert(key);
  }
  for (const auto& [key, event] : events) {
    if (!seen.contains(key)) found.push_back("event never delivered: " + event.dump());
  }
  return found;
}

std::vector<std::string> check_dead_letters(const std::filesystem::path& file) {
  std::vector<std::string> found;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const json letter = json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool refused = letter.is_object() && letter.value("status", 0) == 422 &&
                         letter.contains("payload") &&
                         letter["payload"].dump().find(kRefused) != std::string::npos;
    if (!refused) found.push_back("a dead letter Retainly never refused: " + line);
  }
  return found;
}

}  // namespace cdc::pipeline::sim
