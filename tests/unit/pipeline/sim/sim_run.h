// One seed of the pipeline simulation, start to end: a world, a simulated Retainly, and
// processes (mapper, pipeline, sink with its dispatcher, re-snapshot) that are killed and
// restarted from the stored offsets until the workload is delivered; then the checks.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/sim/sim_world.h"

namespace cdc::pipeline::sim {

struct SeedResult {
  bool passed = false;
  // Failure: the seed, the profile and every finding, ready to print.
  std::string report;
  // What the seed went through, for the summary.
  int kills = 0;
  uint64_t transactions = 0;
  uint64_t requests = 0;
  uint64_t faults = 0;
  uint64_t refused_records = 0;
  uint64_t fields_skipped = 0;  // by the last-sent store (SimFeatures::last_sent)
  uint64_t simulated_ms = 0;
  uint64_t ticks = 0;
  // Retainly's final state and the request count: equal for two runs of one seed when the
  // run is deterministic.
  std::string fingerprint;
};

SeedResult run_seed(uint64_t seed, const SimFeatures& features);

}  // namespace cdc::pipeline::sim
