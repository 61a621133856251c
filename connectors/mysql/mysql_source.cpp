#include "connectors/mysql/mysql_source.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/binlog_stream.h"
#include "connectors/mysql/event_decoder.h"
#include "core/errors.h"
#include "ops/log.h"
#include "state/spill_file.h"

namespace cdc::mysql {

using Clock = std::chrono::steady_clock;

MysqlSource::MysqlSource(MysqlSourceOptions options)
    : options_(std::move(options)),
      position_file_(options_.position_file),
      reader_(options_.buffer_items),
      budget_(options_.memory_budget_bytes) {}

MysqlSource::~MysqlSource() {
  // A destructor that throws ends the process (std::terminate), and stop() stores the
  // position, which a full disk can refuse. The position stored before stays, so what
  // came after it is read and sent again at the next start.
  try {
    stop();
  } catch (const std::exception& error) {
    log::error(
        "stopping the binlog reader: {}; the next start resumes from the last stored "
        "position and sends what came after it again",
        error.what());
  }
  if (!options_.remove_at_exit.empty()) {
    std::error_code ignored;  // a leftover temporary directory is harmless
    std::filesystem::remove_all(options_.remove_at_exit, ignored);
  }
}

void MysqlSource::start() {
  reader_.prepare();
  stream_.reset();

  auto admin_conn = MysqlConnection::connect(options_.connect);
  BinlogAdmin admin(admin_conn);
  admin.require_row_binlog();
  const bool mariadb = admin.is_mariadb();

  // Resume after what was stored, else what this process acknowledged, else now. stop()
  // stored what this process acknowledged, so the file differs only when the other
  // instance of a pair (sharing state_dir) streamed since this one lost its lock, and then
  // it is where to go on from. A read-only source (a dry run) stores nothing: its own
  // acknowledgements come first.
  std::optional<ResumePoint> from;
  {
    std::lock_guard lock(positions_mutex_);
    pending_.clear();
    from = acknowledged_;
  }
  if (!from || !options_.read_only) {
    if (auto stored = position_file_.load()) {
      from = std::move(stored);
      std::lock_guard lock(positions_mutex_);
      if (acknowledged_) {  // what status() shows, and stop() would store again
        acknowledged_ = from;
        acknowledged_stored_ = true;
      }
    }
  }
  if (!options_.spill_dir.empty()) {
    // Files left by an earlier run (or connection) belong to transactions never handed
    // out; the binlog has them again.
    state::SpillDirectory directory(options_.spill_dir);
    spill_ = [factory = directory.factory(), dir = directory.path()] {
      log::info("a transaction outgrew the memory budget (memory_budget_mb); spilling it to {}",
                dir.string());
      return factory();
    };
  }
  if (!options_.xa_dir.empty()) {
    if (!from && std::filesystem::exists(options_.xa_dir)) {
      // No stored position: the stream starts at the end of the binlog, so prepared XA
      // transactions kept for an earlier position belong to another history.
      std::filesystem::remove_all(options_.xa_dir);
    }
    if (!xa_store_) xa_store_ = std::make_unique<XaPreparedStore>(options_.xa_dir);
  }
  if (!from) {
    from = admin.current_position();
    log::info("no stored binlog position in {}: starting at the end of the binlog, {}:{}{}",
              position_file_.path().string(), from->file, from->offset,
              from->gtid_state.empty() ? "" : " (GTID " + from->gtid_state + ")");
    if (!options_.read_only) position_file_.store(*from);
  }
  resumed_after_.reset();
  if (from->after) resumed_after_ = *from->after;
  const bool use_gtid = !from->gtid_state.empty() && admin.gtid_available();

  BinlogStreamStart start;
  start.server_id = options_.server_id;
  start.at = *from;
  start.use_gtid = use_gtid;
  start.mariadb = mariadb;
  start.checksum = admin.checksum();
  start.heartbeat = options_.heartbeat_interval;
  auto connect = options_.connect;
  // Several heartbeats missed in a row: the server or the network is gone.
  connect.read_timeout =
      std::max(std::chrono::seconds(10),
               std::chrono::duration_cast<std::chrono::seconds>(options_.heartbeat_interval * 4));
  stream_ = std::make_unique<BinlogStream>(MysqlConnection::connect(connect), start);
  log::info("streaming the binlog of {} as replica {} from {}", admin_conn.server_version(),
            options_.server_id,
            use_gtid ? "GTID " + from->gtid_state : fmt::format("{}:{}", from->file, from->offset));
  {
    std::lock_guard lock(positions_mutex_);
    reading_ = *from;
  }
  reader_.launch([this, from = *from, mariadb, checksum = start.checksum] {
    read_loop(*stream_, from, mariadb, checksum);
  });
}

SourceItem* MysqlSource::next(std::chrono::milliseconds timeout) {
  SourceItem* item = reader_.next(timeout);
  if (!item) flush_position(false);
  return item;
}

void MysqlSource::recycle(SourceItem&& item) { reader_.recycle(std::move(item)); }

void MysqlSource::acknowledge(const Position& position) {
  const auto& end = std::get<BinlogPosition>(position);
  {
    std::lock_guard lock(positions_mutex_);
    while (!pending_.empty() && pending_.front().end <= end) {
      acknowledged_ = std::move(pending_.front().resume);
      acknowledged_stored_ = false;
      for (auto& file : pending_.front().remove_after) removable_.push_back(std::move(file));
      pending_.pop_front();
    }
  }
  flush_position(false);
}

void MysqlSource::flush_position(bool force) {
  if (options_.read_only) return;
  ResumePoint at;
  std::vector<std::filesystem::path> removable;
  {
    std::lock_guard lock(positions_mutex_);
    if (acknowledged_stored_ || !acknowledged_) return;
    const auto now = Clock::now();
    if (!force && now - last_flush_ < options_.position_flush_interval) return;
    last_flush_ = now;
    acknowledged_stored_ = true;
    at = *acknowledged_;
    removable.swap(removable_);
  }
  position_file_.store(at);
  // Stored past their XA COMMIT / XA ROLLBACK: a restart no longer needs these rows.
  XaPreparedStore::remove(removable);
}

SourceStatus MysqlSource::status() const {
  SourceStatus status;
  std::lock_guard lock(positions_mutex_);
  if (acknowledged_) {
    status.acknowledged = to_string(*acknowledged_);
    if (acknowledged_->file == reading_.file && reading_.offset >= acknowledged_->offset) {
      status.lag_bytes = reading_.offset - acknowledged_->offset;
    }
  }
  return status;
}

void MysqlSource::stop() {
  // The loop blocks on the binlog connection: shut it down to wake the read.
  if (!reader_.stop([this] {
        if (stream_) stream_->interrupt();
      })) {
    return;
  }
  stream_.reset();
  flush_position(true);
}

void MysqlSource::throw_resync(const MysqlServerError& error, const ResumePoint& from) {
  throw SourceError(fmt::format(
      "the server cannot send the binlog from {}: {}. The binlog retainly-cdc needs was "
      "purged (binlog_expire_logs_seconds / expire_logs_days) or the GTID state is unknown "
      "to this server. Resync required: delete {}; `retainly-cdc run` then starts from the "
      "current end of the binlog, and `retainly-cdc resnapshot` resends the mapped tables "
      "beside the stream",
      from.gtid_state.empty() ? to_string(from) : "GTID " + from.gtid_state, error.what(),
      position_file_.path().string()));
}

void MysqlSource::read_loop(BinlogStream& stream, ResumePoint from, bool mariadb,
                            std::string checksum) {
  std::optional<MysqlConnection> catalog_conn;
  auto catalog = [&](const TableId& table) {
    if (!catalog_conn) catalog_conn.emplace(MysqlConnection::connect(options_.connect));
    BinlogAdmin admin(*catalog_conn);
    return admin.catalog(table);
  };
  auto shape_changed = [](const TableSchema& schema) {
    std::string columns;
    for (const auto& c : schema.columns) columns += (columns.empty() ? "" : ", ") + c.name;
    log::info("table {} has a new shape, used from here on: {}", schema.id.qualified(), columns);
  };
  BinlogChangeAssembler assembler(options_.tables, catalog, shape_changed);
  if (options_.watermark_table) assembler.set_watermark_table(*options_.watermark_table);
  assembler.set_geometry_format(options_.geometry);
  assembler.set_spare_rows([this](Row& row) { reader_.take_spare_row(row); });
  assembler.set_spare_text([this](std::string& text) { reader_.take_spare_text(text); });
  assembler.on_ddl([](const std::string& schema, const std::string& query) {
    log::info("DDL on a mapped table (database {}): {}", schema, query.substr(0, 300));
  });
  assembler.set_buffers(
      [this] { return std::make_unique<TransactionBuffer>(&budget_, spill_); },
      [this] {
        // Everything to disk (and durable at the prepare) when there is a store.
        return xa_store_ ? std::make_unique<TransactionBuffer>(nullptr, xa_store_->factory())
                         : std::make_unique<TransactionBuffer>(nullptr, SpillStoreFactory{});
      });
  assembler.start_at(from, mariadb);
  if (xa_store_) {
    for (auto& kept : xa_store_->load()) {
      assembler.restore_prepared(kept.xid, std::move(kept.rows), kept.count);
    }
  }
  // The artificial ROTATE that opens the stream comes before any FORMAT_DESCRIPTION;
  // it has a checksum trailer when the server checksums its binlog.
  EventDecoder decoder(checksum == "CRC32" ? ChecksumAlgorithm::kCrc32 : ChecksumAlgorithm::kOff);
  std::vector<SourceItem> items;
  std::set<uint8_t> skipped_types;
  auto last_idle_commit = Clock::now();
  while (!reader_.stopping()) {
    std::span<const std::byte> bytes;
    try {
      bytes = stream.next_event();
    } catch (const MysqlServerError& e) {
      if (e.code() != kErrorReadingBinlog) throw;
      // 1236 also ends the stream of a replica whose server id another one took.
      if (std::string_view(e.what()).find("same server") != std::string_view::npos) {
        throw SourceError(fmt::format(
            "{}: another replica connected with source.server_id {}; every replica (and "
            "every connector) needs a server id of its own",
            e.what(), options_.server_id));
      }
      throw_resync(e, from);
    }
    const BinlogEvent event = decoder.decode(bytes);
    if (const auto* skipped = std::get_if<SkippedEvent>(&event.body);
        skipped != nullptr && skipped_types.insert(skipped->type_code).second) {
      log::info(
          "skipping binlog events of type {} (nothing in them for a row reader); "
          "logged once",
          skipped->type_code);
    }
    items.clear();
    auto commit = assembler.feed(event, decoder, items);
    if (!reader_.push_all(items, std::chrono::milliseconds(200))) return;
    if (!commit) continue;
    std::vector<std::filesystem::path> remove_after;
    if (commit->prepared_xa && xa_store_) {
      // Durable before anything after the prepare is handed out: the stored position
      // may move past the prepare only with its rows safe.
      uint32_t count = 0;
      TransactionBuffer* rows = assembler.prepared_rows(*commit->prepared_xa, &count);
      xa_store_->persist(*commit->prepared_xa, *rows, count);
    }
    if (commit->resolved_xa) {
      if (xa_store_) remove_after = xa_store_->files_of(*commit->resolved_xa);
      if (!commit->resolved_xa_known) {
        log::warn(
            "XA {} at {}:{} resolves a transaction prepared before the position this "
            "stream started from; its rows were not read (run `retainly-cdc backfill` for "
            "the tables it wrote, if any are mapped)",
            *commit->resolved_xa, commit->resume.file, commit->resume.offset);
      }
    }
    // Rows held until the commit (after a savepoint, or an XA COMMIT's prepared rows),
    // one at a time from memory or their spill file.
    while (auto row = assembler.next_held()) {
      if (!reader_.push(std::move(*row), std::chrono::milliseconds(200))) return;
    }
    {
      std::lock_guard lock(positions_mutex_);
      reading_ = commit->resume;
    }
    const auto now = Clock::now();
    if (!commit->has_changes && remove_after.empty() &&
        (now - last_idle_commit < options_.idle_commit_interval || reader_.queued() != 0)) {
      continue;
    }
    last_idle_commit = now;
    {
      std::lock_guard lock(positions_mutex_);
      pending_.push_back({std::get<BinlogPosition>(commit->end.position), std::move(commit->resume),
                          std::move(remove_after)});
    }
    if (!reader_.push(std::move(commit->end), std::chrono::milliseconds(200))) return;
  }
}

}  // namespace cdc::mysql
