// The event envelope: common header, CRC32 trailer, file framing, format description.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/binlog_file_reader.h"
#include "connectors/mysql/crc32.h"
#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/format_description_event.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

std::vector<std::byte> xid_event(uint64_t xid, EventOptions options) {
  ByteWriter body;
  body.u64(xid);
  return make_event(EventType::kXid, body.view(), options);
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("crc32: the zlib CRC-32 check value, computed incrementally too") {
  CHECK(crc32(as_bytes("123456789")) == 0xCBF43926u);
  CHECK(crc32(as_bytes("56789"), crc32(as_bytes("1234"))) == 0xCBF43926u);
  CHECK(crc32(Bytes{}) == 0u);
}

TEST_CASE("crc32: the folding path agrees with the tables at every length and alignment") {
  // crc32() folds 64 bytes at a time where the CPU can (PCLMULQDQ): any slip in a constant
  // or a reduction step shows here as a mismatch with the table-driven CRC.
  std::vector<std::byte> data(700);
  uint32_t state = 12345;
  for (auto& b : data) {
    state = state * 1103515245u + 12345u;
    b = static_cast<std::byte>(state >> 16);
  }
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t length = 0; length + offset <= data.size(); length += (length < 200 ? 1 : 37)) {
      const Bytes bytes(data.data() + offset, length);
      CAPTURE(offset);
      CAPTURE(length);
      REQUIRE(crc32(bytes) == crc32_by_tables(bytes));
      REQUIRE(crc32(bytes, 0xDEADBEEFu) == crc32_by_tables(bytes, 0xDEADBEEFu));
    }
  }
  std::string digits;
  for (int i = 0; i < 20; ++i) digits += "123456789";
  CHECK(crc32(as_bytes(digits)) == crc32_by_tables(as_bytes(digits)));
}

TEST_CASE("event header: the 19 bytes decode field by field") {
  ByteWriter w;
  w.u32(1709212455).u8(16).u32(7).u32(27).u32(1957).u16(kFlagSuppressUse).u64(9);
  const EventHeader h = decode_event_header(w.view());
  CHECK(h.timestamp == 1709212455u);
  CHECK(h.type() == EventType::kXid);
  CHECK(h.server_id == 7u);
  CHECK(h.event_size == 27u);
  CHECK(h.log_pos == 1957u);
  CHECK(h.flags == kFlagSuppressUse);
}

TEST_CASE("event header: fewer than 19 bytes or a size below 19 is a protocol error") {
  ByteWriter short_header;
  short_header.u32(0).u8(2);
  CHECK(error_of([&] { decode_event_header(short_header.view()); }).find("offset 5") !=
        std::string::npos);
  ByteWriter tiny;
  tiny.u32(0).u8(2).u32(1).u32(18).u32(0).u16(0);
  CHECK_THROWS_AS(decode_event_header(tiny.view()), ProtocolError);
}

TEST_CASE("checksum: a CRC32 trailer is verified and removed from the body") {
  const auto event = xid_event(42, {.crc32 = true});
  const RawEvent raw = split_event(event, ChecksumAlgorithm::kCrc32);
  CHECK(raw.body.size() == 8);
  CHECK(load_le(raw.body.data(), 8) == 42u);
}

TEST_CASE("checksum: one flipped bit fails verification with the event's position") {
  auto event = xid_event(42, {.log_pos = 1234, .crc32 = true});
  event[kEventHeaderLength] ^= std::byte{0x01};
  const std::string error = error_of([&] { split_event(event, ChecksumAlgorithm::kCrc32); });
  CHECK(error.find("CRC32 mismatch") != std::string::npos);
  CHECK(error.find("1234") != std::string::npos);
  CHECK_NOTHROW(split_event(event, ChecksumAlgorithm::kCrc32, /*verify=*/false));
}

TEST_CASE("checksum: an in-use file's first event verifies with the in-use flag cleared") {
  // The server computes the CRC, then sets LOG_EVENT_BINLOG_IN_USE_F in the file.
  auto event = xid_event(7, {.crc32 = true});
  event[17] |= std::byte{kFlagBinlogInUse};
  CHECK_NOTHROW(split_event(event, ChecksumAlgorithm::kCrc32));
  event[kEventHeaderLength] ^= std::byte{0x01};
  CHECK_THROWS_AS(split_event(event, ChecksumAlgorithm::kCrc32), ProtocolError);
}

TEST_CASE("checksum: without an algorithm the last four bytes belong to the body") {
  const auto event = xid_event(42, {});
  CHECK(split_event(event, ChecksumAlgorithm::kOff).body.size() == 8);
  CHECK_THROWS_AS(split_event(std::span(event).first(20), ChecksumAlgorithm::kOff), ProtocolError);
}

TEST_CASE("file reader: events are framed by their declared sizes after the magic") {
  ByteWriter file;
  file.hex("fe 62 69 6e").raw(xid_event(1, {})).raw(xid_event(2, {}));
  BinlogFileReader reader(file.view());
  const auto first = reader.next();
  REQUIRE(first.has_value());
  CHECK(first->offset == 4u);
  CHECK(first->event.size() == 27u);
  const auto second = reader.next();
  REQUIRE(second.has_value());
  CHECK(second->offset == 31u);
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("file reader: a missing magic or a truncated last event is a protocol error") {
  ByteWriter no_magic;
  no_magic.str("bin!").raw(xid_event(1, {}));
  CHECK_THROWS_AS(BinlogFileReader(no_magic.view()), ProtocolError);
  ByteWriter truncated;
  truncated.hex("fe 62 69 6e").raw(xid_event(1, {}));
  const auto cut = truncated.view().first(truncated.size() - 3);
  BinlogFileReader reader(cut);
  CHECK(error_of([&] { reader.next(); }).find("offset 4 declares 27 bytes") != std::string::npos);
}

TEST_CASE("format description: a MySQL 8 FDE announces CRC32 and its post-header lengths") {
  const auto event = make_format_description("8.0.32", ChecksumAlgorithm::kCrc32);
  const FormatDescriptionEvent fde = decode_format_description(event);
  CHECK(fde.binlog_version == 4);
  CHECK(fde.server_version == "8.0.32");
  CHECK(fde.checksum == ChecksumAlgorithm::kCrc32);
  CHECK(fde.post_header_length(EventType::kWriteRows, 0) == 10);
  CHECK(fde.post_header_length(EventType::kTableMap, 0) == 8);
  CHECK(fde.post_header_length(EventType::kMariadbGtid, 99) == 99);  // beyond the table
  CHECK_FALSE(fde.is_mariadb());
}

TEST_CASE("format description: servers before 5.6.1 have no checksum algorithm byte") {
  ByteWriter body;
  std::string version = "5.5.27-log";
  version.resize(50, '\0');
  body.u16(4).str(version).u32(0).u8(19).hex("38 0d 00 08 00 12 00 04 04 04 04 12 00 00 54 00");
  const FormatDescriptionEvent fde =
      decode_format_description(make_event(EventType::kFormatDescription, body.view()));
  CHECK(fde.checksum == ChecksumAlgorithm::kOff);
  CHECK(fde.post_header_lengths.size() == 16);
  CHECK(fde.post_header_length(EventType::kQuery, 0) == 13);
}

TEST_CASE("format description: the FDE's own CRC32 is verified") {
  auto event = make_format_description("10.11.19-MariaDB-log", ChecksumAlgorithm::kCrc32);
  event[kEventHeaderLength + 60] ^= std::byte{0x20};  // a post-header length
  CHECK_THROWS_AS(decode_format_description(event), ProtocolError);
}

TEST_CASE("event decoder: the FDE's checksum setting applies to the events after it") {
  EventDecoder decoder;
  decoder.decode(make_format_description("8.0.32", ChecksumAlgorithm::kCrc32));
  const BinlogEvent xid = decoder.decode(xid_event(99, {.crc32 = true}));
  REQUIRE(std::holds_alternative<XidEvent>(xid.body));
  CHECK(std::get<XidEvent>(xid.body).xid == 99u);
  CHECK_THROWS_AS(decoder.decode(xid_event(99, {})), ProtocolError);  // no trailer: bad CRC
}

TEST_CASE("event decoder: before any FDE the constructor's checksum setting applies") {
  ByteWriter rotate;
  rotate.u64(4).str("mysql-bin.000007");
  EventDecoder decoder(ChecksumAlgorithm::kCrc32);
  const BinlogEvent e = decoder.decode(
      make_event(EventType::kRotate, rotate.view(), {.flags = kFlagArtificial, .crc32 = true}));
  CHECK(std::get<RotateEvent>(e.body).next_file == "mysql-bin.000007");
}

}  // namespace cdc::mysql::testing
