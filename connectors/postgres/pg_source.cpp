#include "connectors/postgres/pg_source.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include <fmt/format.h>
#include <unistd.h>

#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_change_assembler.h"
#include "connectors/postgres/pg_connection.h"
#include "connectors/postgres/pg_decoded_transactions.h"
#include "connectors/postgres/pg_replication_stream.h"
#include "connectors/postgres/replication_message.h"
#include "connectors/postgres/standby_feedback.h"
#include "core/errors.h"
#include "ops/log.h"
#include "state/spill_file.h"

namespace cdc::pg {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Unique to this process: several dry runs may stream beside each other and the daemon.
// Slot names allow lower-case letters, digits and underscores, 63 bytes at most.
std::string temporary_slot_name(const std::string& slot) {
  std::random_device random;
  return fmt::format("{}_dry_{}_{:04x}", slot.substr(0, 40), ::getpid(), random() & 0xffff);
}

// The configured slot and publication, made as the options allow; waits for a slot a
// previous process still holds. Returns the slot's state, and in `created` whether this
// call created the slot.
std::optional<SlotState> claim_slot(const PgAdmin& admin, const PgSourceOptions& options,
                                    uint64_t acknowledged_before, bool& created) {
  admin.ensure_publication(options.publication, options.tables, options.create_publication);
  // Started before in this process: the slot must still be there. Creating it anew would
  // silently skip every change made since it vanished.
  if (acknowledged_before != 0 && !admin.slot(options.slot)) {
    throw SourceError("replication slot " + options.slot +
                      " disappeared while retainly-cdc was streaming from it: changes were "
                      "missed. Resync required: start again (`retainly-cdc run` creates the "
                      "slot), then `retainly-cdc resnapshot` resends the mapped tables beside "
                      "the stream");
  }
  created = admin.ensure_slot(options.slot, options.create_slot);
  if (created) log::info("created replication slot {} (pgoutput)", options.slot);
  // A previous process that died may still hold the slot for a moment, until its
  // walsender notices the closed connection; wait for that rather than fail at once.
  auto slot = admin.slot(options.slot);
  const auto deadline = Clock::now() + options.slot_busy_timeout;
  while (slot && slot->active && Clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    slot = admin.slot(options.slot);
  }
  if (slot && slot->active) {
    throw SourceError("replication slot " + options.slot +
                      " is in use by another process; is a second retainly-cdc running "
                      "with the same slot?");
  }
  return slot;
}

}  // namespace

struct PgSource::Connection {
  explicit Connection(ReplicationStream s) : stream(std::move(s)) {}
  ReplicationStream stream;
};

PgSource::PgSource(PgSourceOptions options)
    : options_(std::move(options)),
      reader_(options_.buffer_items),
      budget_(options_.memory_budget_bytes) {}

PgSource::~PgSource() {
  // A destructor must not throw (std::terminate); joining the reader can, in principle.
  try {
    stop();
  } catch (const std::exception& error) {
    log::error("stopping the replication reader: {}", error.what());
  }
  if (!options_.remove_at_exit.empty()) {
    std::error_code ignored;  // a leftover temporary directory is harmless
    std::filesystem::remove_all(options_.remove_at_exit, ignored);
  }
}

void PgSource::start() {
  // Again after stop(): the pipeline reconnects after a lost connection. Start with an
  // empty buffer and no error, and resume after what was acknowledged in this process
  // even if the old connection died before telling the server.
  reader_.prepare();
  const uint64_t acknowledged_before = acknowledged_.load();
  connection_.reset();
  if (!options_.spill_dir.empty()) {
    // Files left by an earlier run (or connection) belong to transactions never handed
    // out; the server sends them again.
    state::SpillDirectory directory(options_.spill_dir);
    spill_ = [factory = directory.factory(), dir = directory.path()] {
      log::info("a transaction outgrew the memory budget (memory_budget_mb); spilling it to {}",
                dir.string());
      return factory();
    };
  }

  auto admin_conn = PgConnection::connect(options_.dsn, PgConnection::Mode::kNormal);
  PgAdmin admin(admin_conn);
  admin.require_logical_wal();
  // Read only: the publication must already say what to send, and changes come from a
  // temporary slot of this process; the configured slot (a daemon's, maybe in use) is
  // neither created nor read.
  if (options_.read_only) admin.require_publication(options_.publication, options_.tables);
  bool created = false;
  const std::optional<SlotState> slot =
      options_.read_only ? std::nullopt : claim_slot(admin, options_, acknowledged_before, created);

  const int version = admin_conn.server_version();
  StartOptions start;
  start.slot = options_.slot;
  start.publication = options_.publication;
  // Streaming of in-progress transactions needs protocol version 2 (PostgreSQL 14+).
  start.protocol_version = version >= 140000 ? 2 : 1;
  start.streaming = version >= 140000;
  start.messages = version >= 140000;
  auto stream =
      ReplicationStream(PgConnection::connect(options_.dsn, PgConnection::Mode::kReplication));
  uint64_t confirmed = slot ? slot->confirmed_flush.value : 0;
  if (options_.read_only) {
    start.slot = temporary_slot_name(options_.slot);
    confirmed = stream.create_temporary_slot(start.slot).value;
  }
  // The server skips transactions that committed before the start position.
  if (acknowledged_before > confirmed) start.start = PgLsn{acknowledged_before};
  stream.start(start);
  protocol_version_ = start.protocol_version;
  acknowledged_.store(std::max(confirmed, acknowledged_before));
  // (A slot created here was not started before in this process: claim_slot refuses that.)
  resumed_after_.reset();
  if (!options_.read_only && !created) {
    resumed_after_ = PgPosition{PgLsn{std::max(confirmed, acknowledged_before)}, 0};
  }
  if (options_.read_only) {
    log::info(
        "streaming from temporary slot {} (dropped when this process ends; slot {} is left "
        "alone), publication {}, pgoutput v{}",
        start.slot, options_.slot, options_.publication, start.protocol_version);
  } else {
    log::info("streaming from slot {} (confirmed up to {}), publication {}, pgoutput v{}",
              options_.slot, slot ? slot->confirmed_flush.to_string() : "0/0", options_.publication,
              start.protocol_version);
  }
  connection_ = std::make_unique<Connection>(std::move(stream));
  reader_.launch([this] { read_loop(); });
}

SourceItem* PgSource::next(std::chrono::milliseconds timeout) { return reader_.next(timeout); }

void PgSource::acknowledge(const Position& position) {
  const auto& pg = std::get<PgPosition>(position);
  uint64_t current = acknowledged_.load();
  while (pg.commit_end.value > current &&
         !acknowledged_.compare_exchange_weak(current, pg.commit_end.value)) {
  }
}

SourceStatus PgSource::status() const {
  SourceStatus status;
  const uint64_t acknowledged = acknowledged_.load();
  if (acknowledged != 0)
    status.acknowledged = to_string(Position{PgPosition{PgLsn{acknowledged}, 0}});
  const uint64_t wal_end = server_wal_end_.load();
  if (wal_end != 0) status.lag_bytes = wal_end > acknowledged ? wal_end - acknowledged : 0;
  std::lock_guard lock(slot_wal_mutex_);
  if (slot_wal_) {
    status.retained_bytes = slot_wal_->retained_bytes;
    status.safe_bytes = slot_wal_->safe_bytes;
  }
  return status;
}

void PgSource::stop() {
  // The loop reads with a short timeout, so it sees the request without an interrupt.
  reader_.stop();
}

void PgSource::read_loop() {
  ChangeAssembler assembler(
      protocol_version_, [this] { return std::make_unique<TransactionBuffer>(&budget_, spill_); });
  assembler.on_commit(
      [](PgLsn end, uint32_t xid) { DecodedTransactions::instance().add(end, xid); });
  StandbyFeedback feedback(options_.status_interval, Clock::now());
  auto last_heartbeat = Clock::now();
  auto last_slot_check = Clock::now() - options_.status_interval;
  // An ordinary connection beside the stream, for heartbeats and the slot's WAL figures;
  // made when first needed and again after a failure.
  std::optional<PgConnection> side_conn;
  auto side = [&]() -> PgConnection& {
    if (!side_conn)
      side_conn.emplace(PgConnection::connect(options_.dsn, PgConnection::Mode::kNormal));
    return *side_conn;
  };
  // A heartbeat that fails is logged, not fatal: the stream itself still works.
  auto heartbeat_if_due = [&](Clock::time_point now) {
    if (options_.read_only || options_.heartbeat_interval.count() == 0) return;
    if (now - last_heartbeat < options_.heartbeat_interval) return;
    last_heartbeat = now;
    if (assembler.in_transaction() || acknowledged_.load() < feedback.last_handed_out().value)
      return;
    try {
      side().query("SELECT pg_logical_emit_message(true, 'retainly_cdc_heartbeat', '')");
    } catch (const SourceError& error) {
      side_conn.reset();
      log::warn("heartbeat (pg_logical_emit_message) failed: {}", error.what());
    }
  };
  // The WAL the slot holds back, for metrics: read as often as standby updates go out.
  // A dry run's temporary slot holds nothing worth watching.
  auto check_slot_if_due = [&](Clock::time_point now) {
    if (options_.read_only) return;
    if (now - last_slot_check < options_.status_interval) return;
    last_slot_check = now;
    try {
      if (auto wal = PgAdmin(side()).slot_wal(options_.slot)) {
        std::lock_guard lock(slot_wal_mutex_);
        slot_wal_ = *wal;
      }
    } catch (const SourceError& error) {
      side_conn.reset();
      log::debug("reading the slot's WAL figures failed: {}", error.what());
    }
  };
  auto& stream = connection_->stream;

  auto send_status = [&](bool force, Clock::time_point now) {
    const bool idle = !assembler.in_transaction() && reader_.queued() == 0;
    auto status = feedback.due(acknowledged_.load(), idle, force, now);
    if (!status) return;
    // Idle, the server's WAL end may have been confirmed: nothing before it is owed to us.
    acknowledged_.store(std::max(acknowledged_.load(), status->flush.value));
    status->clock_unix_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    stream.send(encode_standby_status(*status));
  };

  while (!reader_.stopping()) {
    auto message = stream.read(100ms);
    if (message) {
      auto decoded = decode_copy_message(*message);
      if (auto* data = std::get_if<XLogData>(&decoded)) {
        feedback.received(data->data_start);
        assembler.feed(data->payload);
        // A committed transaction comes out one item at a time (from memory, then from
        // its spill file), so the queue's bound is all it takes in memory here.
        while (auto item = assembler.next_item()) {
          if (auto* end = std::get_if<TransactionEnd>(&*item)) {
            feedback.handed_out(std::get<PgPosition>(end->position).commit_end);
          }
          // A full queue: keep answering the server meanwhile.
          if (!reader_.push(std::move(*item), options_.status_interval / 2,
                            [&] { send_status(/*force=*/true, Clock::now()); })) {
            return;
          }
        }
      } else {
        const auto& keepalive = std::get<PrimaryKeepalive>(decoded);
        feedback.server_wal_end(keepalive.wal_end);
        server_wal_end_.store(feedback.server_wal_end().value);
        send_status(keepalive.reply_requested, Clock::now());
      }
    }
    // One clock read for the three: this runs once per message of the stream.
    const auto now = Clock::now();
    send_status(/*force=*/false, now);
    heartbeat_if_due(now);
    check_slot_if_due(now);
  }
  // Last word to the server: everything acknowledged so far is durable.
  send_status(/*force=*/true, Clock::now());
}

}  // namespace cdc::pg
