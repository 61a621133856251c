#include "pipeline/sim/sim_source.h"

#include <algorithm>

#include "ops/log.h"
#include "pipeline/resnapshot_files.h"
#include "pipeline/sim/sim_checks.h"

namespace cdc::pipeline::sim {
namespace {

using namespace std::chrono_literals;

// A seed that has not finished by then is stuck: a liveness failure, not a slow seed.
constexpr uint64_t kMaxReads = 400000;
constexpr auto kMaxSimulatedTime = std::chrono::hours(6);
constexpr int kHotReads = 40;
// Reads without a watermark after which a re-snapshot counts as done (it polls at every
// read and, with work left, starts a chunk at once).
constexpr uint64_t kQuietReads = 20;

}  // namespace

void SimContext::maybe_kill() {
  if (kills_left <= 0) return;
  const double chance = world.profile().kill_chance * (hot_reads > 0 ? 10 : 1);
  if (hot_reads > 0) --hot_reads;
  if (!world.chance(chance)) return;
  --kills_left;
  ++kills;
  log::debug("sim: kill");
  throw SimKill{};
}

void SimContext::fail(std::string why) {
  violations.push_back(std::move(why));
  throw SimAbort{};
}

SimSource::SimSource(SimContext& context, SimRetainly& retainly, std::atomic<bool>& stop)
    : context_(context), retainly_(retainly), stop_(stop) {}

void SimSource::start() {
  // Like a slot: what was acknowledged is gone, the rest is read again.
  const auto& wal = context_.world.wal();
  acknowledged_ = context_.world.confirmed();
  transaction_ = 0;
  while (transaction_ < wal.size() && wal[transaction_].lsn <= acknowledged_) ++transaction_;
  item_ = 0;
  handed_out_ = acknowledged_;
}

SourceItem* SimSource::next(std::chrono::milliseconds) {
  if (++context_.reads > kMaxReads) {
    context_.fail("no end after " + std::to_string(kMaxReads) + " reads (stuck?)");
  }
  if (context_.clock.now().time_since_epoch() > kMaxSimulatedTime) {
    context_.fail("no end after 6 simulated hours (stuck?)");
  }
  context_.maybe_kill();
  SimWorld& world = context_.world;
  const auto& wal = world.wal();
  if (transaction_ == wal.size() && !world.workload_done() &&
      world.chance(world.profile().commit_chance)) {
    world.commit_workload_transaction();
  }
  const bool has_item = transaction_ < wal.size();
  // The sink's worker runs only here, between transactions: a transaction takes a
  // millisecond to read, an idle wait as long as the next answer or deadline needs.
  if (!has_item) {
    retainly_.tick(retainly_.time_to_next_event());
  } else if (item_ == 0) {
    retainly_.tick(1ms);
  }
  if (!has_item) {
    if (finished()) stop_ = true;
    return nullptr;
  }
  const SimTransaction& transaction = wal[transaction_];
  if (item_ < transaction.changes.size()) {
    handed_ = transaction.changes[item_++];
    return &handed_;
  }
  log::debug("sim: handing out the end of transaction {}{}", transaction.lsn,
             transaction.watermark.empty() ? "" : " with watermark " + transaction.watermark);
  TransactionEnd end;
  end.position = PgPosition{PgLsn{transaction.lsn}, static_cast<uint32_t>(item_)};
  end.commit_time_micros = static_cast<int64_t>(transaction.lsn);
  end.watermark = transaction.watermark;
  if (end.watermark.starts_with("high:")) context_.hot_reads = kHotReads;
  handed_out_ = transaction.lsn;
  ++transaction_;
  item_ = 0;
  handed_ = std::move(end);
  return &handed_;
}

void SimSource::acknowledge(const Position& position) {
  const uint64_t lsn = std::get<PgPosition>(position).commit_end.value;
  if (lsn < acknowledged_) {
    context_.fail("acknowledged " + std::to_string(lsn) + " after " +
                  std::to_string(acknowledged_));
  }
  if (lsn > handed_out_) {
    context_.fail("acknowledged " + std::to_string(lsn) + ", past the last transaction end " +
                  std::to_string(handed_out_) + " handed out");
  }
  log::debug("sim: acknowledged {}", lsn);
  auto found = check_acknowledged(context_.world, context_.store, lsn);
  if (!found.empty()) {
    context_.violations.insert(context_.violations.end(), found.begin(), found.end());
    context_.fail("an offset was stored past a change Retainly does not hold (above)");
  }
  acknowledged_ = lsn;
  context_.world.set_confirmed(lsn);
}

namespace {

// A re-snapshot request or progress file is still in state_dir: the table is not done.
bool resnapshot_pending(const std::filesystem::path& state_dir) {
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(state_dir / "resnapshot", error), end;
       !error && it != end; it.increment(error)) {
    if (it->is_regular_file() && it->path().extension() == ".json") return true;
  }
  return false;
}

}  // namespace

bool SimSource::finished() const {
  const SimWorld& world = context_.world;
  const auto& wal = world.wal();
  return world.workload_done() && transaction_ == wal.size() &&
         (wal.empty() || world.confirmed() == wal.back().lsn) &&
         context_.reads - context_.last_watermark_read > kQuietReads &&
         !resnapshot_pending(context_.state_dir);
}

SimTableReader::SimTableReader(std::shared_ptr<const TableSchema> schema, std::vector<Row> rows,
                               const std::optional<std::vector<std::string>>& after)
    : schema_(std::move(schema)), rows_(std::move(rows)) {
  if (after) resume_after(*after);
}

size_t SimTableReader::next_batch(size_t max_rows, std::vector<RowChange>& out) {
  size_t count = 0;
  for (; count < max_rows && next_ < rows_.size(); ++count, ++next_) {
    RowChange row;
    row.op = Operation::kSnapshotRead;
    row.table = schema_;
    row.after = rows_[next_];
    out.push_back(std::move(row));
    last_key_ = std::vector<std::string>{std::to_string(rows_[next_][0].as<int64_t>())};
  }
  return count;
}

void SimTableReader::resume_after(std::vector<std::string> key) {
  const int64_t after = std::stoll(key.at(0));
  next_ = static_cast<size_t>(
      std::find_if(rows_.begin(), rows_.end(),
                   [&](const Row& row) { return row[0].as<int64_t>() > after; }) -
      rows_.begin());
  last_key_ = std::move(key);
}

ResnapshotHooks sim_resnapshot_hooks(SimContext& context) {
  ResnapshotHooks hooks;
  hooks.open_chunk = [&context](const TableId& table,
                                const std::optional<std::vector<std::string>>& after) {
    context.maybe_kill();
    SimWorld& world = context.world;
    // A change committed between the low watermark and the read: the chunk sees it, and
    // so does the stream inside the window.
    if (!world.workload_done() && world.chance(0.3)) world.commit_workload_transaction();
    return std::unique_ptr<TableReader>(
        std::make_unique<SimTableReader>(world.schema_of(table), world.rows_of(table), after));
  };
  hooks.emit_watermark = [&context](const std::string& watermark) {
    context.maybe_kill();
    SimWorld& world = context.world;
    // A change committed between the read and the high watermark: the chunk holds the
    // older row, which the window must drop.
    if (watermark.starts_with("high:") && !world.workload_done() && world.chance(0.3)) {
      world.commit_workload_transaction();
    }
    world.commit_watermark(watermark);
    context.last_watermark_read = context.reads;
  };
  return hooks;
}

void request_table(const std::filesystem::path& state_dir, const TableId& table) {
  request_resnapshot(state_dir, table);
}

std::unique_ptr<Resnapshot> make_resnapshot(const std::filesystem::path& state_dir,
                                            ResnapshotHooks hooks, size_t chunk_rows) {
  // No real-clock pauses: a request is seen at the next poll, a failed chunk retried at once.
  return std::make_unique<Resnapshot>(
      state_dir, std::move(hooks), chunk_rows,
      ResnapshotTiming{.scan_interval = std::chrono::milliseconds(0),
                       .retry_pause = std::chrono::milliseconds(0)});
}

}  // namespace cdc::pipeline::sim
