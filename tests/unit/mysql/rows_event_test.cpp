// Table maps with optional metadata and rows events v2 / partial updates, built by hand
// from the layouts in connectors/mysql/table_map_event.h and rows_event.h (MySQL 8
// servers write these; no server here can).
#include <doctest/doctest.h>

#include "connectors/mysql/event_decoder.h"
#include "connectors/mysql/row_image_decoder.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

constexpr uint64_t kTableId = 0x123456789aULL;

// id INT UNSIGNED, name VARCHAR(20) utf8mb4, status ENUM('new','café'),
// tags SET('a','b','c'), note TEXT latin1, doc JSON, amount DECIMAL(10,2),
// created DATETIME(3)
ByteWriter orders_table_map() {
  ByteWriter w;
  w.u48(kTableId).u16(1).u8(3).str("app").u8(0).u8(6).str("orders").u8(0);
  w.packed(8).hex("03 0f fe fe fc f5 f6 12");
  w.packed(11).hex("50 00  f7 01  f8 01  02  04  0a 02  03");
  w.hex("fe");  // every column but id is nullable
  auto tlv = [&](uint8_t type, const ByteWriter& value) {
    w.u8(type).packed(value.size()).raw(value.view());
  };
  tlv(1, ByteWriter().hex("80"));                        // signedness: id unsigned, amount signed
  tlv(2, ByteWriter().packed(255).packed(1).packed(8));  // charsets: utf8mb4, note latin1
  ByteWriter names;
  for (const char* n : {"id", "name", "status", "tags", "note", "doc", "amount", "created"}) {
    names.packed(std::string_view(n).size()).str(n);
  }
  tlv(4, names);
  tlv(5, ByteWriter().packed(3).packed(1).str("a").packed(1).str("b").packed(1).str("c"));
  tlv(6, ByteWriter().packed(2).packed(3).str("new").packed(4).str("caf\xe9"));
  tlv(8, ByteWriter().packed(0));   // primary key (id)
  tlv(10, ByteWriter().packed(8));  // ENUM/SET charset latin1
  tlv(12, ByteWriter().hex("fb"));  // doc is invisible
  return w;
}

// The full row of orders_table_map(): doc NULL.
ByteWriter full_orders_row() {
  ByteWriter w;
  w.hex("20");                           // NULL bitmap: doc
  w.u32(4294967295u);                    // id
  w.u8(3).str("Ann");                    // name
  w.u8(2);                               // status: 'café'
  w.u8(0b101);                           // tags: a,c
  w.u16(4).str("caf\xe9");               // note (latin1)
  w.hex("80 00 00 0c 32");               // amount 12.50
  w.be(0x99b2bad38fULL, 5).be(1230, 2);  // 2024-02-29 13:14:15.123
  return w;
}

Row full_orders_values() {
  return Row{int64_t{4294967295LL},
             "Ann",
             "café",
             ValueArray{"a", "c"},
             "café",
             Null{},
             Decimal{"12.50"},
             LocalTimestamp{1709212455123000LL}};
}

ByteWriter rows_body(uint64_t table_id, uint64_t columns, const char* bitmaps_hex,
                     const ByteWriter& rows, const char* extra_hex = "") {
  ByteWriter extra;
  extra.hex(extra_hex);
  ByteWriter w;
  w.u48(table_id).u16(RowsEvent::kStatementEndFlag).u16(2 + extra.size()).raw(extra.view());
  w.packed(columns).hex(bitmaps_hex).raw(rows.view());
  return w;
}

struct Decoded {
  EventDecoder decoder;
  std::vector<std::vector<std::byte>> storage;  // events must outlive their views

  Decoded() { decoder.decode(make_format_description("8.0.32", ChecksumAlgorithm::kCrc32)); }

  BinlogEvent feed(EventType type, const ByteWriter& body) {
    storage.push_back(make_event(type, body.view(), {.crc32 = true}));
    return decoder.decode(storage.back());
  }

  std::vector<RowImages> rows(EventType type, const ByteWriter& body) {
    const BinlogEvent e = feed(type, body);
    const auto& rows_event = std::get<RowsEvent>(e.body);
    REQUIRE(rows_event.table != nullptr);
    RowImageReader reader(rows_event, *rows_event.table);
    std::vector<RowImages> out;
    RowImages images;
    while (reader.next(images)) out.push_back(images);
    return out;
  }
};

}  // namespace

TEST_CASE("table map: types, metadata and every optional metadata field") {
  Decoded d;
  const BinlogEvent e = d.feed(EventType::kTableMap, orders_table_map());
  const TableMap& t = *std::get<TableMapEvent>(e.body).table;
  CHECK(t.table_id == kTableId);
  CHECK(t.schema == "app");
  CHECK(t.table == "orders");
  REQUIRE(t.columns.size() == 8);
  CHECK(t.columns[0].name == "id");
  CHECK(t.columns[0].signedness == Signedness::kUnsigned);
  CHECK_FALSE(t.columns[0].nullable);
  CHECK(t.columns[1].type == ColumnType::kVarchar);
  CHECK(t.columns[1].length == 80u);
  CHECK(t.columns[1].encoding == TextEncoding::kUtf8);
  CHECK(t.columns[2].type == ColumnType::kEnum);  // real type from STRING metadata
  CHECK(t.columns[2].wire_type == ColumnType::kString);
  CHECK(t.columns[2].members == std::vector<std::string>{"new", "café"});
  CHECK(t.columns[3].type == ColumnType::kSet);
  CHECK(t.columns[3].members == std::vector<std::string>{"a", "b", "c"});
  CHECK(t.columns[4].encoding == TextEncoding::kLatin1);
  CHECK(t.columns[4].length == 2u);
  CHECK_FALSE(t.columns[5].visible);
  CHECK(t.columns[6].precision == 10);
  CHECK(t.columns[6].decimals == 2);
  CHECK(t.columns[6].signedness == Signedness::kSigned);
  CHECK(t.columns[7].decimals == 3);
  CHECK(t.json_column_count == 1u);
  REQUIRE(t.primary_key.size() == 1);
  CHECK(t.primary_key[0].column == 0u);
}

TEST_CASE("table map: a CHAR longer than 255 bytes folds its length into the type byte") {
  // CHAR(100) utf8mb4 = 400 bytes: metadata ee 90 (MySQL bug #37426 encoding).
  ByteWriter w;
  w.u48(1).u16(0).u8(1).str("t").u8(0).u8(1).str("c").u8(0).packed(1).hex("fe").packed(2);
  w.hex("ee 90").hex("01");
  Decoded d;
  const BinlogEvent e = d.feed(EventType::kTableMap, w);
  const ColumnInfo& c = std::get<TableMapEvent>(e.body).table->columns[0];
  CHECK(c.type == ColumnType::kString);
  CHECK(c.length == 400u);
}

TEST_CASE("table map: the decoder reuses an unchanged map and replaces a changed one") {
  Decoded d;
  const auto first = std::get<TableMapEvent>(d.feed(EventType::kTableMap, orders_table_map()).body);
  const auto again = std::get<TableMapEvent>(d.feed(EventType::kTableMap, orders_table_map()).body);
  CHECK(first.table == again.table);
  ByteWriter changed = orders_table_map();
  changed.hex("07 01 00");  // a GEOMETRY_TYPE field: different bytes
  const auto other = std::get<TableMapEvent>(d.feed(EventType::kTableMap, changed).body);
  CHECK(other.table != first.table);
  CHECK(d.decoder.table(kTableId) == other.table);
}

TEST_CASE("write rows v2: extra data is skipped and every column decodes") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  const auto body = rows_body(kTableId, 8, "ff", full_orders_row(), "01 02 00");
  const BinlogEvent e = d.feed(EventType::kWriteRows, body);
  const auto& rows = std::get<RowsEvent>(e.body);
  CHECK(rows.extra_data.size() == 3);
  CHECK(rows.statement_end());
  const auto images = d.rows(EventType::kWriteRows, body);
  REQUIRE(images.size() == 1);
  CHECK(images[0].before.empty());
  CHECK(images[0].after == full_orders_values());
}

TEST_CASE("update rows v2: a minimal after image leaves absent columns Unchanged") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  ByteWriter rows = full_orders_row();
  rows.hex("00").u8(3).str("Bob");  // after image: only `name`, not NULL
  const auto images = d.rows(EventType::kUpdateRows, rows_body(kTableId, 8, "ff 02", rows));
  REQUIRE(images.size() == 1);
  CHECK(images[0].before == full_orders_values());
  const Value u = Unchanged{};
  CHECK(images[0].after == Row{u, "Bob", u, u, u, u, u, u});
}

TEST_CASE("delete rows v1 and v2: two rows, before images only") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  ByteWriter rows;
  rows.hex("fe").u32(1).hex("fe").u32(2);  // only id present, the rest of the bitmap unused
  for (EventType type : {EventType::kDeleteRows, EventType::kDeleteRowsV1}) {
    ByteWriter body =
        type == EventType::kDeleteRows ? rows_body(kTableId, 8, "01", rows) : ByteWriter();
    if (type == EventType::kDeleteRowsV1) {
      body.u48(kTableId).u16(0).packed(8).hex("01").raw(rows.view());
    }
    const auto images = d.rows(type, body);
    REQUIRE(images.size() == 2);
    CHECK(images[1].after.empty());
    CHECK(images[1].before[0] == Value(2));
    CHECK(images[1].before[1].is_unchanged());
  }
}

TEST_CASE("partial update rows: JSON diffs apply to the before image's document") {
  // (id INT, doc JSON); before {"a":1}, after: replace $.a with 2.
  ByteWriter map;
  map.u48(7).u16(1).u8(1).str("s").u8(0).u8(1).str("j").u8(0).packed(2).hex("03 f5");
  map.packed(1).hex("04").hex("02");
  ByteWriter rows;
  rows.hex("00").u32(1).u32(13).hex("00 0100 0c00 0b00 0100 05 0100 61");  // before
  rows.packed(1).hex("01").hex("00").u32(1);  // value_options, partial bits, nulls, id
  rows.u32(9).hex("00").packed(3).str("$.a").packed(3).hex("05 0200");
  Decoded d;
  d.feed(EventType::kTableMap, map);
  const auto images = d.rows(EventType::kPartialUpdateRows, rows_body(7, 2, "03 03", rows));
  REQUIRE(images.size() == 1);
  CHECK(images[0].before[1] == Value(Json{R"({"a":1})"}));
  CHECK(images[0].after[1] == Value(Json{R"({"a":2})"}));
  CHECK(images[0].partial_json.empty());
}

TEST_CASE("rows: a column count that differs from the table map is a protocol error") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  const BinlogEvent e =
      d.feed(EventType::kWriteRows, rows_body(kTableId, 3, "07", ByteWriter().hex("00")));
  const auto& rows = std::get<RowsEvent>(e.body);
  CHECK_THROWS_AS(RowImageReader(rows, *rows.table), ProtocolError);
}

TEST_CASE("rows: a row cut short reports what was being read and where") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  ByteWriter rows = full_orders_row();
  ByteWriter cut;
  cut.raw(rows.view().first(rows.size() - 2));
  const BinlogEvent e = d.feed(EventType::kWriteRows, rows_body(kTableId, 8, "ff", cut));
  const auto& event = std::get<RowsEvent>(e.body);
  RowImageReader reader(event, *event.table);
  RowImages images;
  try {
    reader.next(images);
    FAIL("expected a ProtocolError");
  } catch (const ProtocolError& error) {
    CHECK(std::string(error.what()).find("datetime2") != std::string::npos);
    CHECK(std::string(error.what()).find("offset") != std::string::npos);
  }
}

TEST_CASE("rows: an image without columns is refused instead of looping (fuzzer find)") {
  Decoded d;
  d.feed(EventType::kTableMap, orders_table_map());
  const BinlogEvent e =
      d.feed(EventType::kWriteRows, rows_body(kTableId, 8, "00", ByteWriter().hex("00")));
  const auto& event = std::get<RowsEvent>(e.body);
  RowImageReader reader(event, *event.table);
  RowImages images;
  CHECK_THROWS_AS(reader.next(images), ProtocolError);
}

TEST_CASE("rows: without a preceding table map the event carries no table") {
  Decoded d;
  const BinlogEvent e =
      d.feed(EventType::kWriteRows, rows_body(99, 1, "01", ByteWriter().hex("00").u32(1)));
  CHECK(std::get<RowsEvent>(e.body).table == nullptr);
}

}  // namespace cdc::mysql::testing
