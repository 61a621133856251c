// TRANSACTION_PAYLOAD_EVENT: a zstd-compressed transaction whose inner events carry no
// checksum and log_pos 0, built as MySQL 8.0.20+ writes it (transaction_payload_event.h).
#include <doctest/doctest.h>

#include <zstd.h>

#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/row_image_decoder.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

// BEGIN; table map of t.x (one INT); WRITE_ROWS v2 of 42; XID — no trailers.
ByteWriter inner_events() {
  ByteWriter begin;
  begin.u32(1).u32(0).u8(1).u16(0).u16(0).str("t").u8(0).str("BEGIN");
  ByteWriter map;
  map.u48(5).u16(1).u8(1).str("t").u8(0).u8(1).str("x").u8(0).packed(1).hex("03").packed(0).hex(
      "00");
  ByteWriter rows;
  rows.u48(5).u16(1).u16(2).packed(1).hex("01").hex("00").u32(42);
  ByteWriter xid;
  xid.u64(9);
  ByteWriter all;
  all.raw(make_event(EventType::kQuery, begin.view()));
  all.raw(make_event(EventType::kTableMap, map.view()));
  all.raw(make_event(EventType::kWriteRows, rows.view()));
  all.raw(make_event(EventType::kXid, xid.view()));
  return all;
}

std::vector<std::byte> compress(Bytes data) {
  std::vector<std::byte> out(ZSTD_compressBound(data.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Header fields as (type, length, value) with packed integers, then the payload.
std::vector<std::byte> payload_event(uint8_t compression, uint64_t uncompressed, Bytes payload) {
  ByteWriter size_value;
  size_value.packed(payload.size());
  ByteWriter uncompressed_value;
  uncompressed_value.packed(uncompressed);
  ByteWriter compression_value;
  compression_value.packed(compression);
  ByteWriter body;
  body.packed(2).packed(compression_value.size()).raw(compression_value.view());
  body.packed(3).packed(uncompressed_value.size()).raw(uncompressed_value.view());
  body.packed(1).packed(size_value.size()).raw(size_value.view());
  body.packed(0).raw(payload);
  return make_event(EventType::kTransactionPayload, body.view(), {.log_pos = 900, .crc32 = true});
}

struct Unpacked {
  std::vector<std::byte> buffer;
  std::vector<BinlogEvent> events;
};

Unpacked unpack(EventDecoder& decoder, const std::vector<std::byte>& event) {
  const BinlogEvent outer = decoder.decode(event);
  Unpacked u;
  u.buffer = decompress_payload(std::get<TransactionPayloadEvent>(outer.body));
  PayloadEventIterator it(u.buffer);
  while (auto inner = it.next()) u.events.push_back(decoder.decode_payload_event(*inner));
  return u;
}

EventDecoder mysql8_decoder() {
  EventDecoder decoder;
  decoder.decode(make_format_description("8.0.32", ChecksumAlgorithm::kCrc32));
  return decoder;
}

}  // namespace

TEST_CASE("transaction payload: zstd payload of checksum-less events decodes and reads rows") {
  const ByteWriter inner = inner_events();
  const auto event = payload_event(0, inner.size(), compress(inner.view()));
  EventDecoder decoder = mysql8_decoder();
  const Unpacked u = unpack(decoder, event);
  REQUIRE(u.events.size() == 4);
  CHECK(std::get<QueryEvent>(u.events[0].body).query == "BEGIN");
  CHECK(std::holds_alternative<TableMapEvent>(u.events[1].body));
  CHECK(std::holds_alternative<XidEvent>(u.events[3].body));
  const auto& rows = std::get<RowsEvent>(u.events[2].body);
  REQUIRE(rows.table != nullptr);
  RowImageReader reader(rows, *rows.table);
  RowImages images;
  REQUIRE(reader.next(images));
  CHECK(images.after == Row{42});
  CHECK_FALSE(reader.next(images));
}

TEST_CASE("transaction payload: header fields are read and the payload kept as a view") {
  const ByteWriter inner = inner_events();
  const auto compressed = compress(inner.view());
  const auto event = payload_event(0, inner.size(), compressed);
  EventDecoder decoder = mysql8_decoder();
  const auto e = std::get<TransactionPayloadEvent>(decoder.decode(event).body);
  CHECK(e.compression == TransactionPayloadEvent::Compression::kZstd);
  CHECK(e.uncompressed_size == inner.size());
  CHECK(e.payload_size == compressed.size());
  CHECK(e.payload.size() == compressed.size());
}

TEST_CASE("transaction payload: compression type NONE carries the events as they are") {
  const ByteWriter inner = inner_events();
  EventDecoder decoder = mysql8_decoder();
  CHECK(unpack(decoder, payload_event(255, inner.size(), inner.view())).events.size() == 4);
}

TEST_CASE("transaction payload: corrupt zstd data, size lies and limits are protocol errors") {
  const ByteWriter inner = inner_events();
  auto compressed = compress(inner.view());
  EventDecoder decoder = mysql8_decoder();
  const auto good = std::get<TransactionPayloadEvent>(
      decoder.decode(payload_event(0, inner.size(), compressed)).body);
  CHECK_THROWS_AS(decompress_payload(good, 16), ProtocolError);

  auto lying_event = payload_event(0, inner.size() + 1, compressed);
  const auto lying = std::get<TransactionPayloadEvent>(decoder.decode(lying_event).body);
  CHECK_THROWS_AS(decompress_payload(lying), ProtocolError);

  compressed[compressed.size() / 2] ^= std::byte{0xff};
  compressed[compressed.size() - 1] ^= std::byte{0xff};
  auto corrupt_event = payload_event(0, inner.size(), compressed);
  const auto corrupt = std::get<TransactionPayloadEvent>(decoder.decode(corrupt_event).body);
  CHECK_THROWS_AS(decompress_payload(corrupt), ProtocolError);
}

TEST_CASE("transaction payload: a format description inside a payload is refused") {
  EventDecoder decoder = mysql8_decoder();
  const auto fde = make_format_description("8.0.32", ChecksumAlgorithm::kOff);
  CHECK_THROWS_AS(decoder.decode_payload_event(fde), ProtocolError);
}

}  // namespace cdc::mysql::testing
