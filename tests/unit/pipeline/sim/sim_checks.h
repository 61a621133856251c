// The invariants every simulated seed must keep, as functions of the world (the model of
// the database) and the simulated Retainly's store. Each returns what it found wrong, one
// line per finding, empty when all holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock/store.h"
#include "pipeline/sim/sim_world.h"

namespace cdc::pipeline::sim {

// Retainly's state under the world's keys: "c:<id>" customers, "i:<account>:<item>"
// purchases items. Accounts left with no items are absent, as the database has none.
std::map<std::string, nlohmann::json> retainly_view(const mock::Store& store);

// No offset stored past an unacknowledged change: acknowledging `lsn` is allowed only if
// Retainly holds, for every key the log changed at or before `lsn`, that change or a later
// one. Rows written before the slot are left out (only a re-snapshot brings them), and so
// are keys whose state at `lsn`, or a later one, holds a value Retainly refuses (the sink
// may merge a valid upsert into a later refused one, and dead-letter the merged record).
std::vector<std::string> check_acknowledged(const SimWorld& world, const mock::Store& store,
                                            uint64_t lsn);

// Retainly equals the model of the database, key by key (keys whose current record holds
// a refused value are left out), and holds every event the log produced, none else.
std::vector<std::string> check_final_state(const SimWorld& world, const mock::Store& store);

// Every dead letter is a record Retainly refused: HTTP 422 and a payload with kRefused.
std::vector<std::string> check_dead_letters(const std::filesystem::path& file);

}  // namespace cdc::pipeline::sim
