// The START_REPLICATION CopyData envelope ("Streaming Replication Protocol").
#include <doctest/doctest.h>

#include <limits>

#include "connectors/postgres/replication_message.h"
#include "core/errors.h"
#include "pg_wire_builder.h"

namespace cdc::pg::testing {
namespace {

// 2024-01-02T03:04:05.678901Z
constexpr int64_t kUnixMicros = 1'704'164'645'678'901;

TEST_CASE("replication: PostgreSQL-epoch times convert to and from Unix micros") {
  CHECK(pg_time_to_unix_micros(0) == 946'684'800'000'000);
  CHECK(unix_micros_to_pg_time(946'684'800'000'000) == 0);
  CHECK(unix_micros_to_pg_time(pg_time_to_unix_micros(-123456789)) == -123456789);
}

TEST_CASE("replication: infinite and extreme times saturate instead of overflowing") {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  CHECK(pg_time_to_unix_micros(kMax) == kMax);
  CHECK(pg_time_to_unix_micros(kMin) == kMin);
  CHECK(pg_time_to_unix_micros(kMax - 1) == kMax);
  CHECK(unix_micros_to_pg_time(kMin + 1) == kMin);
}

TEST_CASE("replication: XLogData gives positions, send time and the payload as a view") {
  WireBuilder w;
  w.ch('w')
      .u64(0x16B374D848)
      .u64(0x16B374D900)
      .u64(static_cast<uint64_t>(unix_micros_to_pg_time(kUnixMicros)));
  w.raw("payload");
  const CopyMessage decoded = decode_copy_message(w.view());
  const auto& data = std::get<XLogData>(decoded);
  CHECK(data.data_start.to_string() == "16/B374D848");
  CHECK(data.wal_end == PgLsn{0x16B374D900});
  CHECK(data.send_time_unix_micros == kUnixMicros);
  REQUIRE(data.payload.size() == 7);
  CHECK(data.payload.data() == w.view().data() + 25);
}

TEST_CASE("replication: XLogData with an empty payload is valid") {
  WireBuilder w;
  w.ch('w').u64(1).u64(2).u64(3);
  CHECK(std::get<XLogData>(decode_copy_message(w.view())).payload.empty());
}

TEST_CASE("replication: keepalive says whether the server wants a reply now") {
  WireBuilder asked;
  asked.hex("6b 00000001 00000002 0000000000000000 01");
  const auto keepalive = std::get<PrimaryKeepalive>(decode_copy_message(asked.view()));
  CHECK(keepalive.wal_end == PgLsn{0x100000002});
  CHECK(keepalive.send_time_unix_micros == 946'684'800'000'000);
  CHECK(keepalive.reply_requested);

  WireBuilder idle;
  idle.hex("6b 0000000100000002 0000000000000000 00");
  CHECK_FALSE(std::get<PrimaryKeepalive>(decode_copy_message(idle.view())).reply_requested);
}

TEST_CASE("replication: standby status update is 34 bytes in the documented layout") {
  StandbyStatus status;
  status.write = PgLsn{0x0102030405060708};
  status.flush = PgLsn{0x1112131415161718};
  status.apply = PgLsn{0x2122232425262728};
  status.clock_unix_micros = 946'684'800'000'001;  // 1 us after the PostgreSQL epoch
  status.reply_requested = true;
  const auto bytes = encode_standby_status(status);
  WireBuilder expected;
  expected.hex("72 0102030405060708 1112131415161718 2122232425262728 0000000000000001 01");
  CHECK(std::vector<std::byte>(bytes.begin(), bytes.end()) == expected.bytes());
}

TEST_CASE("replication: short or unknown messages are protocol errors with offsets") {
  WireBuilder short_xlog;
  short_xlog.ch('w').u64(1).u32(0);
  CHECK_THROWS_WITH_AS(decode_copy_message(short_xlog.view()),
                       "replication XLogData at offset 9: walEnd: expected 8 bytes, only 4 left",
                       ProtocolError);

  WireBuilder long_keepalive;
  long_keepalive.ch('k').u64(1).u64(2).u8(0).u8(0);
  CHECK_THROWS_WITH_AS(decode_copy_message(long_keepalive.view()),
                       "replication keepalive at offset 18: expected the end of the message, "
                       "found 1 more bytes",
                       ProtocolError);

  WireBuilder unknown;
  unknown.ch('x');
  CHECK_THROWS_AS(decode_copy_message(unknown.view()), ProtocolError);
  CHECK_THROWS_AS(decode_copy_message({}), ProtocolError);
}

}  // namespace
}  // namespace cdc::pg::testing
