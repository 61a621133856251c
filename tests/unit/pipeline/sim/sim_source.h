// The scripted source of the pipeline simulation, the table reader its re-snapshots read
// chunks with, and the hooks that tie a Resnapshot to them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/change_source.h"
#include "core/table_reader.h"
#include "mock/store.h"
#include "pipeline/resnapshot.h"
#include "pipeline/sim/sim_retainly.h"
#include "pipeline/sim/sim_world.h"

namespace cdc::pipeline::sim {

// Thrown to end the simulated process abruptly: nothing is drained or acknowledged.
struct SimKill {};
// Thrown when a check failed during the run; the reasons are in SimContext::violations.
struct SimAbort {};

// What every process of one seed shares: the world, Retainly's store and the bookkeeping
// of the run. Used from the pipeline's thread only.
struct SimContext {
  SimWorld& world;
  mock::Store& store;
  sink::ManualClock& clock;
  std::filesystem::path state_dir;
  SimFeatures features;
  int kills_left = 0;
  int kills = 0;
  uint64_t reads = 0;
  // Reads left with a raised kill chance: right after a re-snapshot chunk was handed over,
  // where a kill finds most (FoundationDB's BUGGIFY leans on such places the same way).
  int hot_reads = 0;
  // The read at which a re-snapshot last wrote a watermark: a re-snapshot with work left
  // writes one at every read, so a quiet stretch means it has none.
  uint64_t last_watermark_read = 0;
  std::vector<std::string> violations;
  // Fields the last-sent store left out of calls, over every incarnation.
  uint64_t fields_skipped = 0;

  // Throws SimKill now and then, as the profile says.
  void maybe_kill();
  // Records `why` and throws SimAbort.
  [[noreturn]] void fail(std::string why);
};

// Reads the world's log after the last acknowledged position, like a replication slot.
// Every next() first lets simulated time pass (the sink's worker runs inside it) and
// commits workload transactions as the profile says; acknowledge() checks that Retainly
// already holds everything up to the position before the world stores it.
class SimSource final : public ChangeSource {
 public:
  // `stop` is set once the workload is done and everything is acknowledged.
  SimSource(SimContext& context, SimRetainly& retainly, std::atomic<bool>& stop);

  void start() override;
  SourceItem* next(std::chrono::milliseconds timeout) override;
  void acknowledge(const Position& position) override;
  void stop() override {}
  void set_tables(std::vector<TableId>) override {}

 private:
  bool finished() const;

  SimContext& context_;
  SimRetainly& retainly_;
  std::atomic<bool>& stop_;
  size_t transaction_ = 0;  // the cursor: wal()[transaction_], change item_
  size_t item_ = 0;
  uint64_t handed_out_ = 0;  // lsn of the last TransactionEnd handed out
  uint64_t acknowledged_ = 0;
  SourceItem handed_;  // what next() returned last
};

// A fresh snapshot of one table's rows in key order.
class SimTableReader final : public TableReader {
 public:
  SimTableReader(std::shared_ptr<const TableSchema> schema, std::vector<Row> rows,
                 const std::optional<std::vector<std::string>>& after);

  const std::shared_ptr<const TableSchema>& schema() const override { return schema_; }
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out) override;
  const std::optional<std::vector<std::string>>& last_key() const override { return last_key_; }
  void resume_after(std::vector<std::string> key) override;
  std::vector<std::string> key_columns() const override { return {"id"}; }
  uint64_t estimated_rows() const override { return rows_.size(); }

 private:
  std::shared_ptr<const TableSchema> schema_;
  std::vector<Row> rows_;
  size_t next_ = 0;
  std::optional<std::vector<std::string>> last_key_;
};

// Chunks read from the world's tables (a workload transaction may commit between the low
// watermark and the read, or between the read and the high watermark), watermarks
// committed into its log, and kills at either step.
ResnapshotHooks sim_resnapshot_hooks(SimContext& context);

// The two places the simulation touches the re-snapshot's interface (a request, and the
// Resnapshot itself), so that a change of it is made here only.
void request_table(const std::filesystem::path& state_dir, const TableId& table);
std::unique_ptr<Resnapshot> make_resnapshot(const std::filesystem::path& state_dir,
                                            ResnapshotHooks hooks, size_t chunk_rows);

}  // namespace cdc::pipeline::sim
