#include "connectors/postgres/replication_message.h"

#include <limits>
#include <string>

#include "connectors/postgres/pg_wire_reader.h"

namespace cdc::pg {
namespace {

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

bool is_infinite(int64_t micros) {
  return micros == std::numeric_limits<int64_t>::max() ||
         micros == std::numeric_limits<int64_t>::min();
}

void put_be(std::byte* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    out[n - 1 - i] = static_cast<std::byte>(v & 0xff);
    v >>= 8;
  }
}

}  // namespace

int64_t pg_time_to_unix_micros(int64_t pg_micros) {
  return is_infinite(pg_micros) ? pg_micros : saturating_add(pg_micros, kPgEpochUnixMicros);
}

int64_t unix_micros_to_pg_time(int64_t unix_micros) {
  return is_infinite(unix_micros) ? unix_micros : saturating_add(unix_micros, -kPgEpochUnixMicros);
}

CopyMessage decode_copy_message(std::span<const std::byte> message) {
  WireReader in(message, "replication CopyData");
  const uint8_t type = in.u8("message type");
  switch (type) {
    case 'w': {
      // XLogData: Int64 dataStart, Int64 walEnd, Int64 sendTime, Byte(n) WAL data.
      in.set_what("replication XLogData");
      XLogData data;
      data.data_start = PgLsn{in.u64("dataStart")};
      data.wal_end = PgLsn{in.u64("walEnd")};
      data.send_time_unix_micros = pg_time_to_unix_micros(in.i64("sendTime"));
      data.payload = in.rest();
      return data;
    }
    case 'k': {
      // Primary keepalive: Int64 walEnd, Int64 sendTime, Byte1 replyRequested.
      in.set_what("replication keepalive");
      PrimaryKeepalive keepalive;
      keepalive.wal_end = PgLsn{in.u64("walEnd")};
      keepalive.send_time_unix_micros = pg_time_to_unix_micros(in.i64("sendTime"));
      keepalive.reply_requested = in.u8("replyRequested") != 0;
      in.expect_end();
      return keepalive;
    }
    default:
      in.fail_at(0, "expected message type 'w' (XLogData) or 'k' (keepalive), found byte " +
                        std::to_string(type));
  }
}

std::array<std::byte, kStandbyStatusSize> encode_standby_status(const StandbyStatus& status) {
  // Standby status update: Byte1('r'), Int64 write, Int64 flush, Int64 apply,
  // Int64 clock (PostgreSQL epoch), Byte1 replyRequested.
  std::array<std::byte, kStandbyStatusSize> out{};
  out[0] = static_cast<std::byte>('r');
  put_be(&out[1], status.write.value, 8);
  put_be(&out[9], status.flush.value, 8);
  put_be(&out[17], status.apply.value, 8);
  put_be(&out[25], static_cast<uint64_t>(unix_micros_to_pg_time(status.clock_unix_micros)), 8);
  out[33] = std::byte{status.reply_requested ? uint8_t{1} : uint8_t{0}};
  return out;
}

}  // namespace cdc::pg
