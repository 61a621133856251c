// A deterministic simulation of the whole pipeline, in the spirit of FoundationDB's: per
// seed, a scripted source (inserts, updates, deletes, customer id and account changes, big
// transactions, watermarks), the real mapper, pipeline, sink and dispatcher, a simulated
// clock, and a simulated Retainly (retainly-mock's store and API handler) that injects
// latency, 5xx, 429 with Retry-After, 422 on chosen records, dropped connections and lost
// answers, while the process is killed and restarted from its stored offsets. Every seed
// ends by checking that Retainly equals the model of the database, that no customer's
// calls were reordered, that every dead letter is a record Retainly refused, and (at every
// acknowledgement) that no offset was stored past a change Retainly does not hold. Two
// cases add the last-sent store and its filter (issue 18), as `run` sets them up; its
// commits run on a thread of their own, so their seeds need not replay call for call.
//
//   CDC_SIM_SEEDS=N   seeds per case (default below: the suite's budget, about two minutes)
//   CDC_SIM_SEED=N    runs only seed N in each case (a failing seed prints this)
//   CDC_SIM_LOG=debug the pipeline's and sink's log lines (default: errors only)
//   CDC_SIM_KEEP_GOING=1 runs every seed and counts the failing ones (triage)
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "ops/log.h"
#include "pipeline/sim/sim_run.h"

namespace cdc::pipeline::sim {
namespace {

// Seeds per case unless CDC_SIM_SEEDS says otherwise.
constexpr uint64_t kDefaultSeeds = 600;

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::stoull(text);
}

void quiet_logs() {
  const char* level = std::getenv("CDC_SIM_LOG");
  log::init(log::Format::kText, level ? log::parse_level(level) : log::Level::kError);
}

// Runs the case's seeds (or only CDC_SIM_SEED) and fails at the first failing seed with
// its report and the command that replays it.
void run_seeds(const SimFeatures& features, const std::string& test_case) {
  quiet_logs();
  const char* one = std::getenv("CDC_SIM_SEED");
  const uint64_t first = one ? env_number("CDC_SIM_SEED", 1) : 1;
  const uint64_t count = one ? 1 : env_number("CDC_SIM_SEEDS", kDefaultSeeds);
  const bool keep_going = env_number("CDC_SIM_KEEP_GOING", 0) != 0;
  uint64_t failed = 0;
  const auto started = std::chrono::steady_clock::now();
  uint64_t kills = 0, requests = 0, faults = 0, refused = 0, transactions = 0, ticks = 0;
  uint64_t skipped = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    const SeedResult result = run_seed(seed, features);
    if (!result.passed && keep_going) {
      std::cerr << result.report;
      ++failed;
    } else if (!result.passed) {
      std::cerr << result.report << "  replay: CDC_SIM_SEED=" << seed
                << " build/tests/unit/pipeline/pipeline_sim_test --no-skip -tc='" << test_case
                << "'\n";
      FAIL("seed " << seed << " failed; see above");
    }
    kills += static_cast<uint64_t>(result.kills);
    requests += result.requests;
    faults += result.faults;
    refused += result.refused_records;
    transactions += result.transactions;
    ticks += result.ticks;
    skipped += result.fields_skipped;
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MESSAGE(test_case << ": " << count << " seeds in " << seconds << " s; " << transactions
                    << " transactions, " << requests << " requests, " << faults << " faults, "
                    << refused << " refused records, " << kills << " kills, " << ticks << " ticks"
                    << (features.last_sent ? ", " + std::to_string(skipped) +
                                                 " fields skipped by the last-sent store"
                                           : std::string()));
  // The store did its part: without skips these cases would test nothing of it.
  if (features.last_sent && !one) CHECK(skipped > 0);
  CHECK_MESSAGE(failed == 0, failed << " of " << count << " seeds failed");
}

TEST_CASE("simulation: streaming under Retainly faults and process kills") {
  run_seeds(SimFeatures{.resnapshot = false, .kills = true},
            "simulation: streaming under Retainly faults and process kills");
}

TEST_CASE("simulation: re-snapshots beside the stream under Retainly faults") {
  run_seeds(SimFeatures{.resnapshot = true, .kills = false},
            "simulation: re-snapshots beside the stream under Retainly faults");
}

// Found defect 1 of issue 13 (re-snapshot progress saved before its chunk is delivered):
// a kill between a chunk's high watermark and the acknowledgement of its calls lost the
// chunk's rows (seed 6, and 53 of 300 seeds, before the fix).
TEST_CASE("simulation: re-snapshots with process kills") {
  run_seeds(SimFeatures{.resnapshot = true, .kills = true},
            "simulation: re-snapshots with process kills");
}

// Issue 18's filter under the same faults and kills: Retainly must still end equal to
// the database with calls that leave out what the store says it holds, so the store may
// never run ahead of the acknowledgements. (Offsets stored ahead of the store's commits
// show here only when a later change brings a field back to a value the store still
// holds, seldom; changed_filter_test checks durable_through() against commits directly.)
TEST_CASE("simulation: send only what changed under Retainly faults and process kills") {
  run_seeds(SimFeatures{.resnapshot = false, .kills = true, .last_sent = true},
            "simulation: send only what changed under Retainly faults and process kills");
}

TEST_CASE("simulation: send only what changed with re-snapshots and process kills") {
  run_seeds(SimFeatures{.resnapshot = true, .kills = true, .last_sent = true},
            "simulation: send only what changed with re-snapshots and process kills");
}

TEST_CASE("simulation: a seed replays the same way") {
  quiet_logs();
  const SimFeatures kills{.resnapshot = false, .kills = true};
  const SimFeatures resnapshot{.resnapshot = true, .kills = false};
  for (const auto& [seed, features] :
       {std::pair{uint64_t{3}, kills}, std::pair{uint64_t{17}, kills},
        std::pair{uint64_t{42}, resnapshot}, std::pair{uint64_t{43}, resnapshot}}) {
    const SeedResult first = run_seed(seed, features);
    const SeedResult second = run_seed(seed, features);
    CHECK(first.passed);
    CHECK(first.fingerprint == second.fingerprint);
    CHECK(first.simulated_ms == second.simulated_ms);
    CHECK(first.ticks == second.ticks);
  }
}

}  // namespace
}  // namespace cdc::pipeline::sim
