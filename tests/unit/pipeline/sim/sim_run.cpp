#include "pipeline/sim/sim_run.h"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include "mapping/mapper.h"
#include "mock/store.h"
#include "pipeline/changed_filter.h"
#include "pipeline/sim/sim_checks.h"
#include "pipeline/sim/sim_retainly.h"
#include "pipeline/sim/sim_source.h"
#include "pipeline/stream_pipeline.h"
#include "sink/sink.h"
#include "state/last_sent_store.h"

namespace cdc::pipeline::sim {
namespace {

constexpr const char* kUsersMapping = R"(
table: public.users
customer:
  id: cid
  fields: { name: name, plan: plan, ver: ver }
  on_delete: delete
events:
  - name: signed_up
    on: insert
    data: { name: name }
)";

constexpr const char* kOrdersMapping = R"(
table: public.orders
array:
  customer_id: account
  field: purchases
  item_id: id
  fields: { amount: amount, note: note, ver: ver }
)";

// The state folder of one seed. Under /dev/shm when there is one: the dead-letter file and
// the re-snapshot progress are fsynced, which on a disk costs more than the whole seed.
class StateDir {
 public:
  StateDir() {
    const std::filesystem::path shm = "/dev/shm";
    std::error_code error;
    const auto base =
        std::filesystem::is_directory(shm, error) ? shm : std::filesystem::temp_directory_path();
    std::string pattern = (base / "cdc-sim-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~StateDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `send: changed` leaves out of an update what its old image proves unchanged, which is
// only what Retainly holds when every earlier call of the row was applied: a refused
// (dead-lettered) call leaves its fields missing until they change again, or a replay or
// `backfill --full` resends them (mappings/README.md). The final-state check expects every
// field, so seeds that refuse values send all; the others check the diff under faults,
// kills and re-snapshots.
mapping::Mapper sim_mapper(const SimProfile& profile) {
  mapping::MappingOptions options;
  options.send_changed = profile.refuse_chance == 0;
  std::vector<mapping::TableMapping> mappings;
  mappings.push_back(mapping::parse_mapping(kUsersMapping, "users.yaml", options));
  mappings.push_back(mapping::parse_mapping(kOrdersMapping, "orders.yaml", options));
  return mapping::Mapper(std::move(mappings));
}

sink::SinkOptions sink_options(const SimProfile& profile, const std::filesystem::path& dir) {
  sink::SinkOptions options;
  options.url = "http://simulated";
  options.key = "sim-key";
  options.secret = "sim-secret";
  options.batch_max_records = profile.batch_max_records;
  options.concurrency = profile.concurrency;
  options.flush_interval = std::chrono::milliseconds(profile.flush_interval_ms);
  options.retry_initial_backoff = std::chrono::milliseconds(50);
  options.retry_max_backoff = std::chrono::milliseconds(2000);
  options.dead_letter_path = (dir / "dead_letters.jsonl").string();
  return options;
}

// Makes the transport's worker run free when the process ends, whichever way, so that the
// sink can be destroyed: kill() for a kill, release() otherwise.
class ProcessEnd {
 public:
  explicit ProcessEnd(SimRetainly& retainly) : retainly_(retainly) {}
  ~ProcessEnd() { killed_ ? retainly_.kill() : retainly_.release(); }
  ProcessEnd(const ProcessEnd&) = delete;
  ProcessEnd& operator=(const ProcessEnd&) = delete;
  void killed() { killed_ = true; }

 private:
  SimRetainly& retainly_;
  bool killed_ = false;
};

enum class ProcessOutcome { kKilled, kStopped, kAborted };

// When the store commits: as often as a commit can run, or once a few calls (or a few
// dozen) settled since the last one or 2 ms of real time passed (the interval is real
// time, which a simulated run spends little of). The latter leaves acknowledged calls out
// of the store for a while: offsets must wait for them, and a kill in between finds out.
ChangedFilterOptions last_sent_options(uint64_t seed) {
  ChangedFilterOptions options;
  options.commit_interval = std::chrono::milliseconds(seed % 4 < 2 ? 0 : 2);
  options.max_batch = seed % 2 == 0 ? 3 : 40;
  return options;
}

// One process: from the stored offsets and state_dir until it is killed or the workload
// is delivered.
ProcessOutcome run_process(SimContext& context, const mapping::Mapper& mapper,
                           const std::shared_ptr<sink::ManualClock>& clock, RetainlyLog& log,
                           uint64_t seed, uint32_t incarnation) {
  const SimProfile& profile = context.world.profile();
  auto transport =
      std::make_unique<SimRetainly>(context.store, *clock, profile, seed, incarnation, log);
  SimRetainly& retainly = *transport;
  std::mt19937_64 jitter(seed * 31 + incarnation);
  sink::Sink sink(
      sink_options(profile, context.state_dir), std::move(transport), clock,
      [jitter]() mutable { return std::uniform_real_distribution<double>(0, 1)(jitter); });
  ProcessEnd end(retainly);
  retainly.wait_parked();
  std::atomic<bool> stop{false};
  SimSource source(context, retainly, stop);
  std::unique_ptr<Resnapshot> resnapshot;
  if (context.features.resnapshot) {
    resnapshot =
        make_resnapshot(context.state_dir, sim_resnapshot_hooks(context), profile.chunk_rows);
  }
  PipelineOptions options;
  options.shutdown_timeout = std::chrono::milliseconds(2000);
  StreamPipeline pipeline(source, mapper, sink, options);
  pipeline.set_resnapshot(resnapshot.get());
  // Opened again by every incarnation, as a restarted process does.
  std::unique_ptr<state::LastSentStore> last_sent;
  std::optional<ChangedFilter> filter;
  if (context.features.last_sent) {
    last_sent = std::make_unique<state::LastSentStore>(context.state_dir / "last-sent");
    filter.emplace(*last_sent, last_sent_options(seed));
    pipeline.set_changed_filter(&*filter);
  }
  ProcessOutcome outcome = ProcessOutcome::kAborted;
  try {
    pipeline.run(stop);
    outcome = ProcessOutcome::kStopped;
  } catch (const SimKill&) {
    end.killed();
    outcome = ProcessOutcome::kKilled;
  } catch (const SimAbort&) {
    // kAborted: the simulation recorded why.
  } catch (const std::exception& error) {
    context.violations.push_back(std::string("the pipeline failed: ") + error.what());
  }
  for (const auto& [table, counts] : pipeline.status().skipped_per_table) {
    context.fields_skipped += counts.fields_last_sent;
  }
  return outcome;
}

std::string report(uint64_t seed, const SimFeatures& features, const SimProfile& profile,
                   const SimContext& context, const std::vector<std::string>& findings) {
  std::string text = "CDC_SIM_SEED=" + std::to_string(seed) +
                     " failed (resnapshot=" + (features.resnapshot ? "on" : "off") +
                     ", kills=" + (features.kills ? "on" : "off") +
                     ", last_sent=" + (features.last_sent ? "on" : "off") +
                     ")\n  profile: " + profile.describe() +
                     "\n  kills done: " + std::to_string(context.kills) + "\n";
  const size_t shown = std::min<size_t>(findings.size(), 200);
  for (size_t i = 0; i < shown; ++i) text += "  - " + findings[i] + "\n";
  if (findings.size() > shown) {
    text += "  ... and " + std::to_string(findings.size() - shown) + " more\n";
  }
  return text;
}

}  // namespace

SeedResult run_seed(uint64_t seed, const SimFeatures& features) {
  const SimProfile profile = draw_profile(seed, features);
  SimWorld world(seed, profile);
  StateDir dir;
  mock::Store store;
  auto clock = std::make_shared<sink::ManualClock>();
  RetainlyLog log;
  SimContext context{world, store, *clock, dir.path(), features};
  context.kills_left = profile.kills;
  if (features.resnapshot) {
    request_table(dir.path(), TableId{"public", profile.resnapshot_table});
  }
  const mapping::Mapper mapper = sim_mapper(profile);

  ProcessOutcome outcome = ProcessOutcome::kKilled;
  for (uint32_t incarnation = 0; outcome == ProcessOutcome::kKilled; ++incarnation) {
    outcome = run_process(context, mapper, clock, log, seed, incarnation);
  }

  std::vector<std::string> findings = context.violations;
  {
    std::lock_guard lock(log.mutex);
    findings.insert(findings.end(), log.violations.begin(), log.violations.end());
  }
  if (outcome == ProcessOutcome::kStopped && findings.empty()) {
    for (auto& found :
         {check_final_state(world, store), check_dead_letters(dir.path() / "dead_letters.jsonl")}) {
      findings.insert(findings.end(), found.begin(), found.end());
    }
  }

  SeedResult result;
  result.passed = findings.empty();
  if (!result.passed) result.report = report(seed, features, profile, context, findings);
  result.kills = context.kills;
  result.transactions = world.wal().size();
  result.requests = log.requests;
  result.faults = log.faults;
  result.refused_records = log.refused_records;
  result.fields_skipped = context.fields_skipped;
  result.ticks = log.ticks;
  result.simulated_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock->now().time_since_epoch())
          .count());
  result.fingerprint = store.snapshot().dump() + " requests=" + std::to_string(log.requests) +
                       " kills=" + std::to_string(context.kills);
  return result;
}

}  // namespace cdc::pipeline::sim
