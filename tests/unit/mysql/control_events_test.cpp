// The small events, built from their documented layouts and decoded through
// EventDecoder.
#include <doctest/doctest.h>

#include "connectors/mysql/event_decoder.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

// A decoder that has seen a MySQL 8 FDE without checksums.
EventDecoder mysql8_decoder() {
  EventDecoder decoder;
  decoder.decode(make_format_description("8.0.32", ChecksumAlgorithm::kOff));
  return decoder;
}

template <typename T>
T decode_as(EventType type, const ByteWriter& body, EventOptions options = {}) {
  EventDecoder decoder = mysql8_decoder();
  const BinlogEvent e = decoder.decode(make_event(type, body.view(), options));
  REQUIRE(std::holds_alternative<T>(e.body));
  return std::get<T>(e.body);
}

}  // namespace

TEST_CASE("rotate: position and the next file name (the rest of the event)") {
  ByteWriter body;
  body.u64(4).str("binlog.000042");
  const auto e = decode_as<RotateEvent>(EventType::kRotate, body);
  CHECK(e.position == 4u);
  CHECK(e.next_file == "binlog.000042");
}

TEST_CASE("query: status variables are skipped by their length") {
  ByteWriter body;
  body.u32(77).u32(3).u8(3).u16(0).u16(5).hex("00 01 02 03 04").str("app").u8(0).str("BEGIN");
  const auto e = decode_as<QueryEvent>(EventType::kQuery, body);
  CHECK(e.thread_id == 77u);
  CHECK(e.exec_time == 3u);
  CHECK(e.schema == "app");
  CHECK(e.query == "BEGIN");
}

TEST_CASE("query: a schema length beyond the event is a protocol error") {
  ByteWriter body;
  body.u32(1).u32(0).u8(200).u16(0).u16(0).str("db");
  EventDecoder decoder = mysql8_decoder();
  CHECK_THROWS_AS(decoder.decode(make_event(EventType::kQuery, body.view())), ProtocolError);
}

TEST_CASE("xid, stop, incident") {
  ByteWriter xid;
  xid.u64(0x0102030405060708ULL);
  CHECK(decode_as<XidEvent>(EventType::kXid, xid).xid == 0x0102030405060708ULL);
  decode_as<StopEvent>(EventType::kStop, ByteWriter{});
  ByteWriter incident;
  incident.u16(1).u8(9).str("LOST_EVTS");
  const auto e = decode_as<IncidentEvent>(EventType::kIncident, incident);
  CHECK(e.incident == 1);
  CHECK(e.message == "LOST_EVTS");
}

TEST_CASE("xa prepare (38): one_phase, format id, gtrid and bqual; the xid as servers log it") {
  // MySQL's XA COMMIT 'tx','br',7 ONE PHASE, as XA_prepare_event lays it out.
  ByteWriter body;
  body.u8(1).u32(7).u32(2).u32(2).str("tx").str("br");
  const auto e = decode_as<XaPrepareEvent>(EventType::kXaPrepare, body, {.crc32 = false});
  CHECK(e.one_phase);
  CHECK(e.format_id == 7);
  CHECK(e.gtrid == "tx");
  CHECK(e.bqual == "br");
  CHECK(e.xid() == "X'7478',X'6272',7");

  ByteWriter too_long;
  too_long.u8(0).u32(1).u32(65).u32(0).str(std::string(65, 'x'));
  EventDecoder decoder = mysql8_decoder();
  CHECK_THROWS_AS(decoder.decode(make_event(EventType::kXaPrepare, too_long.view())),
                  ProtocolError);
  ByteWriter cut;
  cut.u8(0).u32(1).u32(9).u32(0).str("short");
  CHECK_THROWS_AS(decoder.decode(make_event(EventType::kXaPrepare, cut.view())), ProtocolError);
}

TEST_CASE("heartbeat v1: file name in the body, position in the header") {
  ByteWriter body;
  body.str("binlog.000003");
  const auto e = decode_as<HeartbeatEvent>(EventType::kHeartbeat, body, {.log_pos = 5120});
  CHECK(e.log_file == "binlog.000003");
  CHECK(e.log_position == 5120u);
}

TEST_CASE("heartbeat v2: TLV fields for the file name and the position") {
  ByteWriter body;
  body.packed(1).packed(13).str("binlog.000003").packed(2).packed(4).packed(70000).packed(0);
  const auto e = decode_as<HeartbeatEvent>(EventType::kHeartbeatV2, body);
  CHECK(e.log_file == "binlog.000003");
  CHECK(e.log_position == 70000u);
}

TEST_CASE("rows query and MariaDB annotate rows carry the statement text") {
  ByteWriter rows_query;
  rows_query.u8(25).str("INSERT INTO t VALUES (1)");
  CHECK(decode_as<RowsQueryEvent>(EventType::kRowsQuery, rows_query).query ==
        "INSERT INTO t VALUES (1)");
  ByteWriter annotate;
  annotate.str("DELETE FROM ty WHERE id=1");
  CHECK(decode_as<AnnotateRowsEvent>(EventType::kMariadbAnnotateRows, annotate).query ==
        "DELETE FROM ty WHERE id=1");
}

TEST_CASE("MariaDB binlog checkpoint: a length-prefixed file name") {
  ByteWriter body;
  body.u32(18).str("mariadb-bin.000001");
  CHECK(decode_as<BinlogCheckpointEvent>(EventType::kMariadbBinlogCheckpoint, body).file ==
        "mariadb-bin.000001");
}

TEST_CASE("unknown and unmodelled event types decode to SkippedEvent{type, size}") {
  ByteWriter body;
  body.hex("01 02 03");
  const auto unknown = decode_as<SkippedEvent>(static_cast<EventType>(99), body);
  CHECK(unknown.type_code == 99);
  CHECK(unknown.size == 22u);
  CHECK(decode_as<SkippedEvent>(EventType::kIntvar, body).type_code == 5);
}

TEST_CASE("MariaDB compressed events are refused with a message naming the setting") {
  EventDecoder decoder = mysql8_decoder();
  ByteWriter body;
  body.hex("00 00 00 00");
  try {
    decoder.decode(make_event(EventType::kMariadbWriteRowsCompressedV1, body.view()));
    FAIL("expected a ProtocolError");
  } catch (const ProtocolError& e) {
    CHECK(std::string(e.what()).find("log_bin_compress") != std::string::npos);
  }
}

}  // namespace cdc::mysql::testing
