// The simulated database of the pipeline simulation: two tables, the log of committed
// transactions a source reads (the WAL), the position the source last had acknowledged
// (a slot's confirmed_flush), a seeded workload, and what Retainly should hold for it.
//
// Everything here outlives the simulated process: a "kill" throws away the pipeline, the
// sink and the source, never the world.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/row_change.h"

namespace cdc::pipeline::sim {

// The string value the simulated Retainly refuses (422): a record holding it is one
// Retainly refused, and must end as a dead letter.
inline constexpr const char* kRefused = "REFUSED";

// First customer id of the accounts that hold orders as a `purchases` array; users'
// customer ids stay below it, so a customer delete never removes purchases.
inline constexpr int64_t kFirstAccount = 1000;

// Which parts of the simulation a run uses.
struct SimFeatures {
  bool resnapshot = false;  // rows written before the slot, and a re-snapshot request
  bool kills = false;       // process kills and restarts
  // The last-sent store and its filter, as `run` sets them up: calls skip what the store
  // says Retainly holds, and offsets wait for its commits. The commits run on a thread of
  // their own on the real clock, so such a seed need not replay call for call.
  bool last_sent = false;
};

// Every knob a seed turns, drawn once from the seed so that a seed replays the same run.
struct SimProfile {
  // Workload.
  int transactions = 40;
  double commit_chance = 1.0;  // per source read while the log is drained
  double refuse_chance = 0;    // a written text value is kRefused
  int preexisting_rows = 0;    // written before the slot (re-snapshot runs)
  std::string resnapshot_table;
  size_t chunk_rows = 3;
  // Process kills.
  int kills = 0;
  double kill_chance = 0;  // per source read or re-snapshot step
  // Simulated Retainly.
  double fail_chance = 0;         // 500 / 503, not applied
  double rate_limit_chance = 0;   // 429 with Retry-After, not applied
  double drop_chance = 0;         // connection dropped before Retainly saw the request
  double lost_answer_chance = 0;  // applied, then the connection dropped
  int max_latency_ms = 0;
  // Sink.
  size_t batch_max_records = 100;
  size_t concurrency = 8;
  int flush_interval_ms = 200;

  std::string describe() const;
};

SimProfile draw_profile(uint64_t seed, const SimFeatures& features);

// One committed source transaction: its changes, or a watermark.
struct SimTransaction {
  uint64_t lsn = 0;
  std::vector<RowChange> changes;  // positions filled
  std::string watermark;
};

// What Retainly should hold under one key ("c:<customer id>" for a user's customer,
// "i:<account>:<order id>" for a purchases item): the record, or nothing. `refused` when
// the record holds kRefused (Retainly then keeps what it had).
struct Expected {
  std::optional<nlohmann::json> record;
  bool refused = false;
  friend bool operator==(const Expected&, const Expected&) = default;
};

struct HistoryEntry {
  uint64_t lsn = 0;
  Expected state;
  // The transaction deleted the key on the way to `state` (a row deleted or moved away,
  // and another row taking its customer id): Retainly may lack the key meanwhile.
  bool deleted_within = false;
};

// An event the stream must deliver (at least once): data.event_key -> the event.
using ExpectedEvents = std::map<std::string, nlohmann::json>;

// Not thread-safe: used from the pipeline's thread only.
class SimWorld {
 public:
  SimWorld(uint64_t seed, SimProfile profile);

  const SimProfile& profile() const { return profile_; }
  std::mt19937_64& random() { return random_; }
  bool chance(double p);

  const std::shared_ptr<const TableSchema>& users() const { return users_; }
  const std::shared_ptr<const TableSchema>& orders() const { return orders_; }
  const std::shared_ptr<const TableSchema>& schema_of(const TableId& table) const;
  // The table's rows in key order, as a fresh snapshot would read them now.
  std::vector<Row> rows_of(const TableId& table) const;

  bool workload_done() const { return committed_workload_ >= profile_.transactions; }
  // Commits the next workload transaction (inserts, updates, deletes, customer id and
  // account changes, now and then a big one). REQUIRES: !workload_done().
  void commit_workload_transaction();
  void commit_watermark(const std::string& watermark);

  const std::vector<SimTransaction>& wal() const { return wal_; }
  uint64_t first_lsn() const { return kFirstLsn; }
  // Acknowledged so far (0: nothing): a restarted source reads after it.
  uint64_t confirmed() const { return confirmed_; }
  void set_confirmed(uint64_t lsn) { confirmed_ = lsn; }

  // What Retainly should hold now, by key.
  std::map<std::string, Expected> expected_view() const;
  const std::map<std::string, std::vector<HistoryEntry>>& history() const { return history_; }
  const ExpectedEvents& expected_events() const { return events_; }

 private:
  static constexpr uint64_t kFirstLsn = 0x10000;
  static constexpr uint64_t kLsnStep = 0x100;

  void write_preexisting_rows();
  // Adds one random change to `changes`; rows in `touched` are left alone.
  void random_change(uint64_t lsn, std::vector<RowChange>& changes, std::vector<int64_t>& touched);
  std::string random_text(const std::vector<std::string>& choices);
  std::optional<int64_t> free_customer_id();
  void commit(SimTransaction transaction);
  void record_history(uint64_t lsn);

  SimProfile profile_;
  std::mt19937_64 random_;
  std::shared_ptr<const TableSchema> users_;
  std::shared_ptr<const TableSchema> orders_;
  std::map<int64_t, Row> user_rows_;   // id -> id, cid, name, plan, ver
  std::map<int64_t, Row> order_rows_;  // id -> id, account, amount, note, ver
  int64_t next_user_id_ = 1;
  int64_t next_order_id_ = 1;
  int committed_workload_ = 0;
  std::vector<SimTransaction> wal_;
  uint64_t next_lsn_ = kFirstLsn;
  uint64_t confirmed_ = 0;
  // The Retainly key a row of `table` stands for.
  std::string key_of(const TableSchema& table, const Row& row) const;

  std::map<std::string, Expected> view_;     // as of the last commit
  std::vector<std::string> deleted_within_;  // by the transaction being generated
  std::map<std::string, std::vector<HistoryEntry>> history_;
  ExpectedEvents events_;
};

}  // namespace cdc::pipeline::sim
