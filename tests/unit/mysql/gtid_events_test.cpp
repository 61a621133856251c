// GTID events of both servers, built from their documented layouts.
#include <doctest/doctest.h>

#include "connectors/mysql/gtid_events.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

constexpr const char* kUuidHex = "3e11fa47 71ca 11e1 9e33 c80aa9429562";
constexpr const char* kUuidText = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

RawEvent raw_event(EventType type, const ByteWriter& body, std::vector<std::byte>& storage,
                   uint32_t server_id = 1) {
  storage = make_event(type, body.view(), {.server_id = server_id});
  return split_event(storage, ChecksumAlgorithm::kOff);
}

// MySQL serialization-library varlen integer (libs/mysql/serialization/readme.md):
// the byte count minus one as trailing one bits, then the value, little-endian.
void varlen(ByteWriter& w, uint64_t v) {
  if (v < (1u << 7)) {
    w.u8(v << 1);
  } else if (v < (1u << 14)) {
    w.u16(v << 2 | 0b01);
  } else {
    w.u8(0xff).u64(v);  // nine bytes: any value
  }
}

void varlen_signed(ByteWriter& w, int64_t v) {
  varlen(w, v >= 0 ? static_cast<uint64_t>(v) << 1 : (static_cast<uint64_t>(-(v + 1)) << 1) | 1);
}

}  // namespace

TEST_CASE("gtid (33): MySQL 8 event with logical clock, timestamps, length and versions") {
  ByteWriter body;
  body.u8(0).hex(kUuidHex).u64(23).u8(2).u64(11).u64(12);
  body.le((uint64_t{1} << 55) | 1700000000000001ULL, 7).le(1690000000000002ULL, 7);
  body.packed(300).u32((1u << 31) | 80032).u32(80028);
  std::vector<std::byte> storage;
  const GtidEvent e = decode_gtid(raw_event(EventType::kGtid, body, storage));
  CHECK(e.to_string() == std::string(kUuidText) + ":23");
  CHECK(e.last_committed == 11);
  CHECK(e.sequence_number == 12);
  CHECK(e.immediate_commit_timestamp == 1700000000000001ULL);
  CHECK(e.original_commit_timestamp == 1690000000000002ULL);
  CHECK(e.transaction_length == 300u);
  CHECK(e.immediate_server_version == 80032u);
  CHECK(e.original_server_version == 80028u);
}

TEST_CASE("gtid (34): anonymous transactions print as ANONYMOUS") {
  ByteWriter body;
  body.u8(1).hex("00000000000000000000000000000000").u64(0).u8(2).u64(0).u64(1);
  std::vector<std::byte> storage;
  const GtidEvent e = decode_gtid(raw_event(EventType::kAnonymousGtid, body, storage));
  CHECK(e.anonymous);
  CHECK(e.to_string() == "ANONYMOUS");
  CHECK(e.sequence_number == 1);
}

TEST_CASE("tagged gtid (42): the serialization-format message with field ids") {
  ByteWriter fields;
  varlen(fields, 0);  // flags
  varlen(fields, 1);
  varlen(fields, 1);  // sid: 16 varlen bytes
  ByteWriter uuid;
  uuid.hex(kUuidHex);
  for (std::byte b : uuid.bytes()) varlen(fields, std::to_integer<uint8_t>(b));
  varlen(fields, 2);
  varlen_signed(fields, 1000);  // gno
  varlen(fields, 3);
  varlen(fields, 5);
  fields.str("alpha");  // tag
  varlen(fields, 4);
  varlen_signed(fields, 7);  // last_committed
  varlen(fields, 5);
  varlen_signed(fields, 8);  // sequence_number
  varlen(fields, 6);
  varlen(fields, 1700000000000000ULL);  // immediate_commit_timestamp
  varlen(fields, 8);
  varlen(fields, 350);  // transaction_length
  // version(1) payload_size(1 byte varlen) last_non_ignorable_field_id(1) fields
  ByteWriter body;
  body.u8(2);
  varlen(body, 3 + fields.size());
  varlen(body, 3);
  body.raw(fields.view());
  std::vector<std::byte> storage;
  const GtidEvent e = decode_tagged_gtid(raw_event(EventType::kGtidTagged, body, storage));
  CHECK(e.to_string() == std::string(kUuidText) + ":alpha:1000");
  CHECK(e.last_committed == 7);
  CHECK(e.sequence_number == 8);
  CHECK(e.immediate_commit_timestamp == 1700000000000000ULL);
  CHECK(e.original_commit_timestamp == 1700000000000000ULL);  // defaults to immediate
  CHECK(e.transaction_length == 350u);
}

TEST_CASE("tagged gtid (42): an unknown non-ignorable field is a protocol error") {
  ByteWriter fields;
  varlen(fields, 12);
  varlen(fields, 1);
  ByteWriter body;
  body.u8(2);
  varlen(body, 3 + fields.size());
  varlen(body, 12);
  body.raw(fields.view());
  std::vector<std::byte> storage;
  CHECK_THROWS_AS(decode_tagged_gtid(raw_event(EventType::kGtidTagged, body, storage)),
                  ProtocolError);
}

TEST_CASE("previous gtids (35): untagged set with several intervals") {
  ByteWriter body;
  body.u64(1).hex(kUuidHex).u64(2).u64(1).u64(6).u64(8).u64(9);
  std::vector<std::byte> storage;
  const PreviousGtidsEvent e =
      decode_previous_gtids(raw_event(EventType::kPreviousGtids, body, storage));
  CHECK(e.to_string() == std::string(kUuidText) + ":1-5:8");
}

TEST_CASE("previous gtids (35): a sid count that cannot fit is a protocol error") {
  ByteWriter body;
  body.u64(1000000).hex(kUuidHex);
  std::vector<std::byte> storage;
  CHECK_THROWS_AS(decode_previous_gtids(raw_event(EventType::kPreviousGtids, body, storage)),
                  ProtocolError);
}

TEST_CASE("MariaDB gtid (162): domain, server from the header, sequence, commit id") {
  ByteWriter body;
  body.u64(42)
      .u32(3)
      .u8(MariadbGtidEvent::kGroupCommitId | MariadbGtidEvent::kTransactional)
      .u64(777);
  std::vector<std::byte> storage;
  const MariadbGtidEvent e =
      decode_mariadb_gtid(raw_event(EventType::kMariadbGtid, body, storage, 9));
  CHECK(e.gtid.to_string() == "3-9-42");
  CHECK(e.commit_id == 777u);
  CHECK_FALSE(e.standalone());
}

TEST_CASE("MariaDB gtid list (163): count with flags in the top bits") {
  ByteWriter body;
  body.u32((1u << 28) | 2).u32(0).u32(1).u64(7).u32(1).u32(2).u64(100);
  std::vector<std::byte> storage;
  const MariadbGtidListEvent e =
      decode_mariadb_gtid_list(raw_event(EventType::kMariadbGtidList, body, storage));
  CHECK(e.flags == 1u);
  REQUIRE(e.gtids.size() == 2);
  CHECK(e.gtids[0].to_string() == "0-1-7");
  CHECK(e.gtids[1].to_string() == "1-2-100");
}

}  // namespace cdc::mysql::testing
