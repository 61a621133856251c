// The PostgreSQL reader: a replication connection on a thread of its own, decoding
// pgoutput into RowChanges for the pipeline.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/postgres/pg_admin.h"
#include "core/change_source.h"
#include "core/memory_budget.h"
#include "core/reader_thread.h"
#include "core/spill_store.h"
#include "core/table_schema.h"

namespace cdc::pg {

struct PgSourceOptions {
  std::string dsn;
  std::string slot;
  std::string publication;
  bool create_slot = true;
  bool create_publication = true;
  // The tables the mappings name; the publication is made to publish exactly these.
  std::vector<TableId> tables;
  // Standby status updates at least this often, and whenever the server asks.
  std::chrono::milliseconds status_interval{10000};
  // While idle, a transactional logical message this often (0: never); see below.
  std::chrono::milliseconds heartbeat_interval{60000};
  size_t buffer_items = 10000;
  // Transactions waiting for their commit are kept in memory up to this many bytes (all
  // of them together); the rest spills to files in `spill_dir`, which start() empties.
  // An empty `spill_dir`: nothing spills (tests).
  size_t memory_budget_bytes = 32u << 20;
  std::filesystem::path spill_dir;
  // Removed (with everything in it) when the source goes: the temporary directory of a
  // dry run, which writes nothing to state_dir. Empty: nothing is.
  std::filesystem::path remove_at_exit;
  // How long start() waits for a slot still held by a previous process.
  std::chrono::milliseconds slot_busy_timeout{30000};
  // Dry runs, which write nothing durable to the server: the publication must exist and
  // publish every table of `tables` (start() says what is missing, and changes nothing);
  // changes come from a TEMPORARY slot of this process, created at start() and dropped by
  // the server when the connection ends, so `slot` is neither created nor read (a daemon
  // may be streaming from it) and changes start from the moment of start(). Its position
  // follows acknowledge() so the server need not keep WAL for it. No heartbeats.
  bool read_only = false;
};

// Protocol facts this class relies on (PostgreSQL docs, "Streaming Replication Protocol"):
// - The server drops a client that sends no status update within wal_sender_timeout, so
//   updates go out every status_interval, when asked by a keepalive, and while the
//   reader is blocked on a full buffer.
// - The `flush` position in a status update becomes the slot's confirmed_flush_lsn;
//   after a restart the server skips every transaction that committed before it. So it
//   only ever moves to a position the pipeline acknowledged.
// - When every transaction handed out has been acknowledged and none is open, the
//   keepalive's WAL end may be confirmed too: nothing before it is still owed to us, and
//   confirming it keeps the slot from holding back WAL of unrelated tables.
// - A server whose other databases and unmapped tables are quiet sends no new WAL end;
//   a transactional pg_logical_emit_message (a heartbeat, on an ordinary connection,
//   never in dry runs) writes a little WAL, so the confirmed position still advances
//   and the slot's lag stays visible and small.
class PgSource final : public ChangeSource {
 public:
  explicit PgSource(PgSourceOptions options);
  ~PgSource() override;

  // Checks wal_level, makes the publication and slot (when allowed; read_only: checks the
  // publication and makes a temporary slot), connects for replication and starts the
  // reader thread. Throws SourceError (SourceDisconnected
  // when the server cannot be reached). May be called again after stop(): it then
  // resumes after the last acknowledged position.
  void start() override;
  SourceItem* next(std::chrono::milliseconds timeout) override;
  void acknowledge(const Position& position) override;
  void stop() override;
  void set_tables(std::vector<TableId> tables) override { options_.tables = std::move(tables); }
  SourceStatus status() const override;
  std::optional<Position> resumed_after() const override { return resumed_after_; }

 private:
  void read_loop();

  PgSourceOptions options_;
  int protocol_version_ = 2;  // pgoutput version negotiated in start()
  ReaderThread reader_;
  MemoryBudget budget_;
  SpillStoreFactory spill_;  // set by start() when options_.spill_dir is
  // Highest commit end LSN the pipeline acknowledged.
  std::atomic<uint64_t> acknowledged_{0};
  std::optional<Position> resumed_after_;  // start()'s, on the pipeline's thread
  // The newest WAL end the server reported in a keepalive.
  std::atomic<uint64_t> server_wal_end_{0};
  // The slot's WAL figures as last read by the reader thread.
  mutable std::mutex slot_wal_mutex_;
  std::optional<SlotWal> slot_wal_;
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

}  // namespace cdc::pg
