// What the replication reader tells the walsender in standby status updates, and when
// (PostgreSQL docs, "Streaming Replication Protocol", Standby status update):
// - `flush` becomes the slot's confirmed_flush_lsn, so it is only ever what the pipeline
//   acknowledged, except when the reader is idle (no transaction open, nothing queued)
//   and every transaction handed out is acknowledged: then nothing before the server's
//   last reported WAL end is owed to us, and confirming it keeps the slot from holding WAL
//   of unrelated tables back.
// - an update goes out when the flush position moved, when the server asks (`force`),
//   and at least every `interval`, so the server never drops us for silence
//   (wal_sender_timeout).
// Pure bookkeeping, no I/O; owned by the reader thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "connectors/postgres/replication_message.h"
#include "core/position.h"

namespace cdc::pg {

class StandbyFeedback {
 public:
  using Clock = std::chrono::steady_clock;

  StandbyFeedback(std::chrono::milliseconds interval, Clock::time_point now)
      : interval_(interval), last_status_(now) {}

  // XLogData starting at `start` arrived.
  void received(PgLsn start) { received_ = std::max(received_, start); }
  // A transaction ending at `commit_end` went to the pipeline.
  void handed_out(PgLsn commit_end) { last_handed_out_ = commit_end; }
  // A keepalive reported the server's WAL end.
  void server_wal_end(PgLsn end) { server_wal_end_ = std::max(server_wal_end_, end); }

  PgLsn last_handed_out() const { return last_handed_out_; }
  PgLsn server_wal_end() const { return server_wal_end_; }

  // The update to send now, or nullopt. `acknowledged`: the highest commit end the
  // pipeline acknowledged; `idle`: no transaction is open and nothing is queued. The
  // returned status's flush may be past `acknowledged` (idle: the server's WAL end); the
  // caller records it as acknowledged too. clock_unix_micros is left for the caller.
  std::optional<StandbyStatus> due(uint64_t acknowledged, bool idle, bool force,
                                   Clock::time_point now);

 private:
  std::chrono::milliseconds interval_;
  Clock::time_point last_status_;
  uint64_t last_sent_flush_ = 0;
  PgLsn received_;         // highest WAL position seen in XLogData
  PgLsn last_handed_out_;  // end LSN of the last transaction handed out
  PgLsn server_wal_end_;   // from the latest keepalive
};

}  // namespace cdc::pg
