// The MySQL/MariaDB reader: a binlog stream on a thread of its own, decoded into
// RowChanges of the mapped tables for the pipeline.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "connectors/mysql/binlog_change_assembler.h"
#include "connectors/mysql/binlog_position_file.h"
#include "connectors/mysql/binlog_stream.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/xa_prepared_store.h"
#include "core/change_source.h"
#include "core/memory_budget.h"
#include "core/reader_thread.h"
#include "core/table_schema.h"

namespace cdc::mysql {

struct MysqlSourceOptions {
  MysqlConnectOptions connect;
  // Unique among the server's replicas: the server drops a replica whose id another
  // one takes.
  uint32_t server_id = 0;
  std::vector<TableId> tables;
  // Rows written here are re-snapshot watermarks (BinlogChangeAssembler).
  std::optional<TableId> watermark_table;
  GeometryFormat geometry = GeometryFormat::kWkb;
  // Where the committed position lives (state_dir/mysql_position.json).
  std::filesystem::path position_file;
  // The server sends a heartbeat when idle this often.
  std::chrono::milliseconds heartbeat_interval{5000};
  // The position file is rewritten at most this often (and on stop).
  std::chrono::milliseconds position_flush_interval{500};
  // Transactions without mapped changes are handed out (to move the stored position)
  // at most this often.
  std::chrono::milliseconds idle_commit_interval{1000};
  size_t buffer_items = 10000;
  // Rows held until their transaction's end (after a SAVEPOINT) stay in memory up to this
  // many bytes; the rest spills to files in `spill_dir`, which start() empties. An empty
  // `spill_dir`: nothing spills (tests).
  size_t memory_budget_bytes = 32u << 20;
  std::filesystem::path spill_dir;
  // Prepared XA transactions' rows, until their XA COMMIT / XA ROLLBACK is acknowledged
  // (XaPreparedStore). Empty: kept in memory only, lost at a restart (tests).
  std::filesystem::path xa_dir;
  // Removed (with everything in it) when the source goes: a dry run's temporary directory.
  std::filesystem::path remove_at_exit;
  // Dry runs: the stored position never moves.
  bool read_only = false;
};

// XA: a prepared transaction's rows are made durable under xa_dir before anything after
// its prepare is handed out, so the stored position may move past the prepare; they are
// removed once the position past its XA COMMIT / XA ROLLBACK is stored.
//
// Positions: what acknowledge() gets is a TransactionEnd's position; the place to
// resume after that transaction (file, offset, GTID state) is kept beside it until
// then, and stored. On start: the stored position (which the other instance of a pair
// may have moved), else the one acknowledged earlier in this process, else the end of the
// binlog now (stored at once, so a restart before the first acknowledgement does not skip
// what happened in between). GTIDs are used to resume when the server has them, file and
// offset otherwise.
class MysqlSource final : public ChangeSource {
 public:
  explicit MysqlSource(MysqlSourceOptions options);
  ~MysqlSource() override;

  // Checks the server (log_bin, binlog_format=ROW), connects and starts the reader
  // thread. Throws SourceError (SourceDisconnected when the server cannot be reached).
  // May be called again after stop().
  void start() override;
  SourceItem* next(std::chrono::milliseconds timeout) override;
  void recycle(SourceItem&& item) override;
  void acknowledge(const Position& position) override;
  void stop() override;
  void set_tables(std::vector<TableId> tables) override { options_.tables = std::move(tables); }
  SourceStatus status() const override;
  // The transaction the position it started from follows (ResumePoint::after).
  std::optional<Position> resumed_after() const override { return resumed_after_; }

 private:
  void read_loop(BinlogStream& stream, ResumePoint from, bool mariadb, std::string checksum);
  void flush_position(bool force);
  [[noreturn]] void throw_resync(const MysqlServerError& error, const ResumePoint& from);

  MysqlSourceOptions options_;
  BinlogPositionFile position_file_;
  ReaderThread reader_;
  MemoryBudget budget_;
  SpillStoreFactory spill_;                    // set by start() when options_.spill_dir is
  std::unique_ptr<XaPreparedStore> xa_store_;  // set by start() when options_.xa_dir is
  std::unique_ptr<BinlogStream> stream_;

  // Handed-out transaction ends not yet acknowledged, oldest first, with where to
  // resume after each. Shared by the reader thread and the pipeline thread.
  struct PendingCommit {
    BinlogPosition end;
    ResumePoint resume;
    // Files of a prepared XA transaction this commit resolved: removed once `resume` is
    // stored.
    std::vector<std::filesystem::path> remove_after;
  };
  mutable std::mutex positions_mutex_;
  std::deque<PendingCommit> pending_;
  std::optional<ResumePoint> acknowledged_;  // latest acknowledged
  bool acknowledged_stored_ = true;
  std::vector<std::filesystem::path> removable_;  // once acknowledged_ is stored
  std::chrono::steady_clock::time_point last_flush_{};
  ResumePoint reading_;                    // where the reader is, for lag
  std::optional<Position> resumed_after_;  // start()'s, on the pipeline's thread
};

}  // namespace cdc::mysql
