// The CopyData envelope of a logical replication connection after START_REPLICATION
// (PostgreSQL docs, "Streaming Replication Protocol", START_REPLICATION): the server
// sends XLogData ('w', wrapping one pgoutput message) and primary keepalives ('k'); the
// client answers with standby status updates ('r'). Pure: bytes in, structs out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "core/position.h"

namespace cdc::pg {

// The wire's clocks count microseconds since the PostgreSQL epoch, 2000-01-01 00:00 UTC.
inline constexpr int64_t kPgEpochUnixMicros = 946'684'800'000'000;

// Conversions between PostgreSQL-epoch and Unix-epoch microseconds. They saturate at the
// int64 range instead of overflowing, so the +-infinity sentinels (INT64_MAX / INT64_MIN)
// stay what they are and hostile bytes cannot cause undefined behaviour.
int64_t pg_time_to_unix_micros(int64_t pg_micros);
int64_t unix_micros_to_pg_time(int64_t unix_micros);

// 'w': a chunk of WAL, here exactly one pgoutput message.
struct XLogData {
  PgLsn data_start;  // WAL position of the start of the payload
  PgLsn wal_end;     // the server's current end of WAL
  int64_t send_time_unix_micros = 0;
  // A view into the decoded message: valid as long as its bytes are.
  std::span<const std::byte> payload;
};

// 'k': sent when idle and before wal_sender_timeout; the client must answer with a
// status update at once when reply_requested is set.
struct PrimaryKeepalive {
  PgLsn wal_end;
  int64_t send_time_unix_micros = 0;
  bool reply_requested = false;
};

using CopyMessage = std::variant<XLogData, PrimaryKeepalive>;

// Decodes one CopyData message of the replication stream. Throws cdc::ProtocolError for
// an unknown message type, a short message or trailing bytes after a keepalive.
CopyMessage decode_copy_message(std::span<const std::byte> message);

// 'r': the client's progress. `flush` becomes the slot's confirmed_flush_lsn: the server
// may discard WAL before it and never resends transactions that committed before it.
struct StandbyStatus {
  PgLsn write;  // last WAL byte + 1 received
  PgLsn flush;  // last WAL byte + 1 durably processed
  PgLsn apply;  // last WAL byte + 1 applied
  int64_t clock_unix_micros = 0;
  bool reply_requested = false;
};

inline constexpr size_t kStandbyStatusSize = 1 + 8 + 8 + 8 + 8 + 1;

std::array<std::byte, kStandbyStatusSize> encode_standby_status(const StandbyStatus& status);

}  // namespace cdc::pg
