// BinlogChangeAssembler over hand-built event sequences: transaction framing of both
// servers, positions from the headers and from our own arithmetic where log_pos is 0,
// table filtering, DDL, compressed-transaction payloads and catalog completion.
#include <doctest/doctest.h>

#include "connectors/mysql/binlog_change_assembler.h"
#include "connectors/mysql/binlog_file_reader.h"
#include "core/errors.h"
#include "event_builder.h"
#include "fixture_files.h"

namespace cdc::mysql::testing {
namespace {

// items (id INT, name VARCHAR(20) utf8mb4); with `metadata` the map names the columns
// and carries signedness, charset and the primary key (binlog_row_metadata=FULL).
ByteWriter items_table_map(uint64_t table_id, const char* table = "items", bool metadata = true) {
  ByteWriter w;
  w.u48(table_id).u16(1).u8(3).str("app").u8(0).u8(std::string_view(table).size()).str(table);
  w.u8(0).packed(2).hex("03 0f").packed(2).hex("50 00").hex("02");
  if (!metadata) return w;
  w.u8(1).packed(1).hex("00");  // signedness: id signed
  const ByteWriter charset = ByteWriter().packed(255);
  w.u8(2).packed(charset.size()).raw(charset.view());  // default charset utf8mb4
  ByteWriter names;
  names.packed(2).str("id").packed(4).str("name");
  w.u8(4).packed(names.size()).raw(names.view());  // column names
  w.u8(8).packed(1).packed(0);                     // primary key: id
  return w;
}

// WRITE_ROWS v1 (MariaDB) of (id, name) rows.
ByteWriter write_rows(uint64_t table_id, std::initializer_list<std::pair<int, const char*>> rows) {
  ByteWriter w;
  w.u48(table_id).u16(1).packed(2).hex("03");
  for (const auto& [id, name] : rows) {
    w.hex("00").u32(static_cast<uint32_t>(id)).u8(std::string_view(name).size()).str(name);
  }
  return w;
}

ByteWriter mariadb_gtid(uint64_t sequence, uint8_t flags = MariadbGtidEvent::kTransactional) {
  ByteWriter w;
  w.u64(sequence).u32(0).u8(flags);
  return w;
}

ByteWriter query(const char* text) {
  ByteWriter w;
  w.u32(1).u32(0).u8(3).u16(0).u16(0).str("app").u8(0).str(text);
  return w;
}

ByteWriter xid(uint64_t id) { return ByteWriter().u64(id); }

// XA_PREPARE_LOG_EVENT: one_phase(1) format_id(4) gtrid_length(4) bqual_length(4) data.
ByteWriter xa_prepare(std::string_view gtrid, bool one_phase = false) {
  ByteWriter w;
  w.u8(one_phase ? 1 : 0).u32(1).u32(gtrid.size()).u32(0).str(gtrid);
  return w;
}

// A MySQL GTID event (33): flags(1) sid(16) gno(8), then the logical clock fields.
ByteWriter mysql_gtid(uint64_t gno) {
  ByteWriter w;
  w.u8(1).hex("3e11fa47 71ca 11e1 9e33 c80aa9429562").u64(gno);
  w.u8(2).u64(0).u64(0);  // lt_type, last_committed, sequence_number
  return w;
}

// Events fed one after the other, each placed right after the previous one in the file
// (log_pos = end), or with log_pos 0 when `positions` is off.
struct Stream {
  EventDecoder decoder;
  BinlogChangeAssembler assembler;
  std::vector<std::vector<std::byte>> storage;
  std::vector<SourceItem> items;
  uint64_t offset = 4;
  bool positions = true;

  explicit Stream(std::vector<TableId> tables, bool mariadb = true,
                  BinlogChangeAssembler::CatalogLookup catalog = nullptr,
                  BinlogChangeAssembler::ShapeChanged shape_changed = nullptr)
      : assembler(std::move(tables), std::move(catalog), std::move(shape_changed)) {
    decoder.decode(
        make_format_description(mariadb ? "10.11.5-MariaDB" : "8.0.36", ChecksumAlgorithm::kOff));
    assembler.start_at({"binlog.000003", 4, ""}, mariadb);
  }

  std::optional<AssembledCommit> feed(EventType type, const ByteWriter& body) {
    const size_t size = kEventHeaderLength + body.size();
    offset += size;
    storage.push_back(
        make_event(type, body.view(), {.log_pos = positions ? static_cast<uint32_t>(offset) : 0u}));
    const BinlogEvent event = decoder.decode(storage.back());
    auto commit = assembler.feed(event, decoder, items);
    // Held rows a commit hands out come after the event's own items, as the source
    // queues them.
    while (auto held = assembler.next_held()) items.emplace_back(std::move(*held));
    return commit;
  }

  std::vector<RowChange> changes() const {
    std::vector<RowChange> out;
    for (const auto& item : items) {
      if (const auto* change = std::get_if<RowChange>(&item)) out.push_back(*change);
    }
    return out;
  }
};

std::vector<TableId> items_only() { return {TableId{"app", "items"}}; }

const BinlogPosition& position_of(const RowChange& change) {
  return std::get<BinlogPosition>(change.position);
}

}  // namespace

TEST_CASE("a MariaDB transaction: changes at the GTID's offset, resume after its XID") {
  Stream s(items_only());
  const uint64_t start = s.offset;
  CHECK_FALSE(s.feed(EventType::kMariadbGtid, mariadb_gtid(7)));
  CHECK(s.assembler.in_transaction());
  CHECK_FALSE(s.feed(EventType::kTableMap, items_table_map(42)));
  CHECK_FALSE(s.feed(EventType::kWriteRowsV1, write_rows(42, {{1, "a"}, {2, "b"}})));
  const auto commit = s.feed(EventType::kXid, xid(99));
  REQUIRE(commit);
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].op == Operation::kInsert);
  CHECK(changes[0].table->id.qualified() == "app.items");
  CHECK(changes[0].table->columns[0].name == "id");
  CHECK(changes[0].table->columns[0].is_key);
  CHECK(changes[1].after == Row{int64_t{2}, "b"});
  CHECK(position_of(changes[0]) == BinlogPosition{"binlog.000003", start, "0-1-7", 1});
  CHECK(position_of(changes[1]).index == 2);
  CHECK(position_of(changes[1]).gtid == "0-1-7");
  const auto& end = std::get<BinlogPosition>(commit->end.position);
  CHECK(end == BinlogPosition{"binlog.000003", start, "0-1-7", 3});
  CHECK(position_of(changes[1]) < end);
  CHECK(commit->has_changes);
  CHECK(commit->resume.file == "binlog.000003");
  CHECK(commit->resume.offset == s.offset);
  CHECK(commit->resume.gtid_state == "0-1-7");
  // The transaction it resumes after: what the last-sent store compares its position with.
  CHECK(commit->resume.after == end);
  CHECK_FALSE(s.assembler.in_transaction());
}

TEST_CASE("a long binlog file name is written into the spare buffers the reader hands back") {
  Stream s(items_only());
  const std::string file = "mysql-bin-changelog.000003";  // past std::string's inline buffer
  s.assembler.start_at({file, 4, ""}, /*mariadb=*/true);
  std::vector<const char*> handed;
  s.assembler.set_spare_text([&](std::string& text) {
    text.assign(64, 'x');  // a recycled name: stale content, room to spare
    handed.push_back(text.data());
  });
  const uint64_t start = s.offset;
  s.feed(EventType::kMariadbGtid, mariadb_gtid(7));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{1, "a"}, {2, "b"}}));
  REQUIRE(s.feed(EventType::kXid, xid(99)));
  REQUIRE(s.items.size() == 2);
  REQUIRE(handed.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const auto& position = std::get<BinlogPosition>(std::get<RowChange>(s.items[i]).position);
    CHECK(position == BinlogPosition{file, start, "0-1-7", static_cast<uint32_t>(i + 1)});
    CHECK(position.file == file);  // nothing of the stale content
    CHECK(position.file.data() == handed[i]);
  }
}

TEST_CASE("rows of unmapped tables are skipped; the transaction still commits") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(8));
  s.feed(EventType::kTableMap, items_table_map(43, "other"));
  s.feed(EventType::kWriteRowsV1, write_rows(43, {{1, "x"}}));
  const auto commit = s.feed(EventType::kXid, xid(1));
  REQUIRE(commit);
  CHECK_FALSE(commit->has_changes);
  CHECK(s.items.empty());
  CHECK(commit->resume.gtid_state == "0-1-8");
}

TEST_CASE("a standalone DDL is a transaction of its own; BEGIN..COMMIT without GTIDs") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(9, MariadbGtidEvent::kStandalone));
  const auto ddl = s.feed(EventType::kQuery, query("ALTER TABLE items ADD COLUMN x INT"));
  REQUIRE(ddl);
  CHECK(ddl->resume.offset == s.offset);
  CHECK(ddl->resume.gtid_state == "0-1-9");

  const uint64_t begin_at = s.offset;
  CHECK_FALSE(s.feed(EventType::kQuery, query("BEGIN")));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{5, "e"}}));
  const auto commit = s.feed(EventType::kQuery, query("COMMIT"));
  REQUIRE(commit);
  REQUIRE(s.changes().size() == 1);
  CHECK(position_of(s.changes()[0]) == BinlogPosition{"binlog.000003", begin_at, "", 1});
  CHECK(commit->resume.gtid_state == "0-1-9");  // unchanged: that group had no GTID
}

TEST_CASE("log_pos 0: offsets carried on by event sizes from the last known one") {
  Stream s(items_only());
  ByteWriter rotate;
  rotate.u64(4).str("binlog.000009");
  s.feed(EventType::kRotate, rotate);
  s.positions = false;
  s.offset = 4;
  s.feed(EventType::kMariadbGtid, mariadb_gtid(10));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{6, "f"}}));
  const auto commit = s.feed(EventType::kXid, xid(2));
  REQUIRE(commit);
  REQUIRE(s.changes().size() == 1);
  CHECK(position_of(s.changes()[0]) == BinlogPosition{"binlog.000009", 4, "0-1-10", 1});
  CHECK(commit->resume.file == "binlog.000009");
  CHECK(commit->resume.offset == s.offset);
}

TEST_CASE("a MySQL compressed transaction: inner events at the payload's position") {
  Stream s(items_only(), /*mariadb=*/false);
  ByteWriter gtid;
  gtid.u8(1).hex("3e11fa4771ca11e19e33c80aa9429562").u64(23);
  s.feed(EventType::kGtid, gtid);
  const uint64_t payload_start = s.offset;
  ByteWriter inner;
  for (const auto& [type, body] : std::vector<std::pair<EventType, ByteWriter>>{
           {EventType::kQuery, query("BEGIN")},
           {EventType::kTableMap, items_table_map(42)},
           {EventType::kWriteRowsV1, write_rows(42, {{7, "g"}, {8, "h"}})},
           {EventType::kXid, xid(3)}}) {
    inner.raw(ByteWriter().raw(make_event(type, body.view())).view());
  }
  ByteWriter payload;
  auto field = [&payload](uint64_t type, uint64_t value) {
    const ByteWriter v = ByteWriter().packed(value);
    payload.packed(type).packed(v.size()).raw(v.view());
  };
  field(2, 255);  // compression: none
  field(3, inner.size());
  field(1, inner.size());
  payload.packed(0).raw(inner.view());
  const auto commit = s.feed(EventType::kTransactionPayload, payload);
  REQUIRE(commit);
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  // The transaction starts at its GTID event, before the payload.
  CHECK(position_of(changes[0]).offset < payload_start);
  CHECK(position_of(changes[0]).gtid == "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  CHECK(commit->resume.offset == s.offset);
  CHECK(commit->resume.gtid_state == "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
}

TEST_CASE("table maps without metadata are completed from the catalog") {
  int lookups = 0;
  Stream s(items_only(), true, [&](const TableId& table) {
    ++lookups;
    CHECK(table.qualified() == "app.items");
    return std::vector<CatalogColumn>{{"id", "int(10) unsigned", "", true},
                                      {"name", "varchar(20)", "utf8mb4", false}};
  });
  for (uint64_t seq : {11, 12}) {
    s.feed(EventType::kMariadbGtid, mariadb_gtid(seq));
    s.feed(EventType::kTableMap, items_table_map(44, "items", /*metadata=*/false));
    s.feed(EventType::kWriteRowsV1, write_rows(44, {{-1, "n"}}));
    s.feed(EventType::kXid, xid(seq));
  }
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].table->columns[1].name == "name");
  CHECK(changes[0].table->columns[0].is_key);
  CHECK(changes[0].after[0] == Value(int64_t{4294967295LL}));  // unsigned, from the catalog
  CHECK(lookups == 1);  // the same table map again needs no second lookup
}

TEST_CASE("a new shape of a mapped table gets a new schema version, and is reported") {
  std::vector<std::string> reported;
  Stream s(items_only(), true, nullptr,
           [&](const TableSchema& schema) { reported.push_back(schema.columns.back().name); });
  s.feed(EventType::kMariadbGtid, mariadb_gtid(13));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{1, "a"}}));
  s.feed(EventType::kXid, xid(13));
  ByteWriter wider;  // items (id INT, name VARCHAR(20), extra INT) after an ALTER
  wider.u48(45).u16(1).u8(3).str("app").u8(0).u8(5).str("items").u8(0).packed(3).hex("03 0f 03");
  wider.packed(2).hex("50 00").hex("06");
  ByteWriter names;
  names.packed(2).str("id").packed(4).str("name").packed(5).str("extra");
  const ByteWriter charset = ByteWriter().packed(255);
  wider.u8(1).packed(1).hex("00").u8(2).packed(charset.size()).raw(charset.view());
  wider.u8(4).packed(names.size()).raw(names.view()).u8(8).packed(1).packed(0);
  ByteWriter row;
  row.u48(45).u16(1).packed(3).hex("07").hex("00").u32(2).u8(1).str("b").u32(77);
  s.feed(EventType::kMariadbGtid, mariadb_gtid(14));
  s.feed(EventType::kTableMap, wider);
  s.feed(EventType::kWriteRowsV1, row);
  s.feed(EventType::kXid, xid(14));
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[1].table->version > changes[0].table->version);
  CHECK(changes[1].after == Row{int64_t{2}, "b", int64_t{77}});
  CHECK(reported == std::vector<std::string>{"extra"});
}

TEST_CASE("an INCIDENT event stops the reader with a resync message") {
  Stream s(items_only());
  ByteWriter incident;
  incident.u16(1).u8(11).str("LOST_EVENTS");
  CHECK_THROWS_WITH_AS(s.feed(EventType::kIncident, incident), doctest::Contains("Resync required"),
                       SourceError);
}

TEST_CASE("rows of the watermark table become the transaction's watermark") {
  Stream s(items_only());
  s.assembler.set_watermark_table({"app", "marks"});
  s.feed(EventType::kMariadbGtid, mariadb_gtid(15));
  s.feed(EventType::kTableMap, items_table_map(46, "marks"));
  s.feed(EventType::kWriteRowsV1, write_rows(46, {{1, "retainly_cdc_watermark:w1:low"}}));
  const auto commit = s.feed(EventType::kXid, xid(15));
  REQUIRE(commit);
  CHECK(commit->end.watermark == "retainly_cdc_watermark:w1:low");
  CHECK(commit->has_changes);  // handed out even though no mapped table changed
  CHECK(s.items.empty());
}

TEST_CASE("GEOMETRY as WKB bytes, WKB hex or left out, by option") {
  // shapes (id INT, g GEOMETRY) with names; g holds SRID 0 + a 5-byte stand-in WKB.
  ByteWriter map;
  map.u48(47).u16(1).u8(3).str("app").u8(0).u8(5).str("items").u8(0).packed(2).hex("03 ff");
  map.packed(1).hex("04").hex("02");
  ByteWriter names;
  names.packed(2).str("id").packed(1).str("g");
  map.u8(1).packed(1).hex("00").u8(4).packed(names.size()).raw(names.view());
  map.u8(8).packed(1).packed(0);
  ByteWriter row;
  row.u48(47).u16(1).packed(2).hex("03").hex("00").u32(1).u32(9).u32(0).hex("01 02 03 0a ff");
  for (const auto& [format, expected] : std::vector<std::pair<GeometryFormat, Value>>{
           {GeometryFormat::kWkb, Value(cdc::Bytes{std::string("\x01\x02\x03\x0a\xff")})},
           {GeometryFormat::kWkbHex, Value("0102030aff")},
           {GeometryFormat::kSkip, Value(Unchanged{})}}) {
    Stream s(items_only());
    s.assembler.set_geometry_format(format);
    s.feed(EventType::kMariadbGtid, mariadb_gtid(16));
    s.feed(EventType::kTableMap, map);
    s.feed(EventType::kWriteRowsV1, row);
    s.feed(EventType::kXid, xid(16));
    REQUIRE(s.changes().size() == 1);
    CHECK(s.changes()[0].after[1] == expected);
  }
}

namespace {

// docs (id INT, doc JSON) with column names and the primary key (binlog_row_metadata=FULL).
ByteWriter docs_table_map() {
  ByteWriter w;
  w.u48(48).u16(1).u8(3).str("app").u8(0).u8(4).str("docs").u8(0).packed(2).hex("03 f5");
  w.packed(1).hex("04").hex("02");
  ByteWriter names;
  names.packed(2).str("id").packed(3).str("doc");
  w.u8(1).packed(1).hex("00").u8(4).packed(names.size()).raw(names.view());
  w.u8(8).packed(1).packed(0);
  return w;
}

// A PARTIAL_UPDATE_ROWS_EVENT of docs row 1 whose after image replaces $.a with 2. With
// `before_has_doc` the before image holds {"a":1} (binlog_row_image=FULL), otherwise
// only the key (MINIMAL, or NOBLOB, which leaves JSON columns out of before images).
ByteWriter partial_docs_update(bool before_has_doc) {
  ByteWriter rows;
  if (before_has_doc) {
    rows.hex("00").u32(1).u32(13).hex("00 0100 0c00 0b00 0100 05 0100 61");
  } else {
    rows.hex("00").u32(1);
  }
  rows.packed(1).hex("01").hex("00").u32(1);  // value_options, partial bits, nulls, id
  rows.u32(9).hex("00").packed(3).str("$.a").packed(3).hex("05 0200");
  ByteWriter w;
  w.u48(48).u16(RowsEvent::kStatementEndFlag).u16(2).packed(2);
  w.hex(before_has_doc ? "03 03" : "01 03").raw(rows.view());
  return w;
}

}  // namespace

TEST_CASE("a partial JSON update whose before image has the document gives the new document") {
  Stream s({TableId{"app", "docs"}}, /*mariadb=*/false);
  s.feed(EventType::kQuery, query("BEGIN"));
  s.feed(EventType::kTableMap, docs_table_map());
  s.feed(EventType::kPartialUpdateRows, partial_docs_update(/*before_has_doc=*/true));
  REQUIRE(s.feed(EventType::kXid, xid(5)));
  REQUIRE(s.changes().size() == 1);
  CHECK(s.changes()[0].op == Operation::kUpdate);
  CHECK(s.changes()[0].after == Row{int64_t{1}, Json{R"({"a":2})"}});
}

TEST_CASE("a partial JSON update without the document in the before image stops the reader") {
  // Regression (issue 13, defect 6): the diff was dropped and the field left unchanged.
  Stream s({TableId{"app", "docs"}}, /*mariadb=*/false);
  s.feed(EventType::kQuery, query("BEGIN"));
  s.feed(EventType::kTableMap, docs_table_map());
  const uint64_t start = s.offset;
  try {
    s.feed(EventType::kPartialUpdateRows, partial_docs_update(/*before_has_doc=*/false));
    FAIL("no error for a partial JSON update that cannot be applied");
  } catch (const SourceError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("app.docs") != std::string::npos);
    CHECK(message.find("column doc") != std::string::npos);
    CHECK(message.find("binlog.000003:" + std::to_string(start)) != std::string::npos);
    CHECK(message.find("binlog_row_value_options") != std::string::npos);
  }
  CHECK(s.changes().empty());
}

TEST_CASE("json.binlog: MySQL 8's partial JSON updates under a MINIMAL image stop the reader") {
  // The fixture's table: t (id INT, json_col JSON, name VARCHAR(100) AS ..., age INT AS
  // ...) in database `mysql`, written without column names (binlog_row_metadata=MINIMAL).
  const std::string file = read_file(fixtures_dir() / "mysql8/json.binlog.000001");
  EventDecoder decoder;
  BinlogChangeAssembler assembler({TableId{"mysql", "t"}}, [](const TableId&) {
    return std::vector<CatalogColumn>{{"id", "int", "", true},
                                      {"json_col", "json", "", false},
                                      {"name", "varchar(100)", "utf8mb4", false},
                                      {"age", "int", "", false}};
  });
  assembler.start_at({"json.binlog.000001", 4, ""}, /*mariadb=*/false);
  BinlogFileReader reader(as_bytes(file));
  std::vector<SourceItem> items;
  std::string error;
  try {
    while (auto event = reader.next()) assembler.feed(decoder.decode(event->event), decoder, items);
  } catch (const SourceError& e) {
    error = e.what();
  }
  INFO(error);
  CHECK(error.find("mysql.t") != std::string::npos);
  CHECK(error.find("column json_col") != std::string::npos);
  CHECK(error.find("json.binlog.000001:") != std::string::npos);
  CHECK(error.find("binlog_row_value_options") != std::string::npos);
  // Everything before the first partial update was handed out.
  size_t changes = 0;
  for (const auto& item : items) changes += std::holds_alternative<RowChange>(item) ? 1 : 0;
  CHECK(changes == 12);
}

TEST_CASE("XA: prepared rows wait for XA COMMIT, which hands them out at its own position") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(10));
  s.feed(EventType::kQuery, query("XA START X'6f6b',X'',1"));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{1, "a"}, {2, "b"}}));
  s.feed(EventType::kQuery, query("XA END X'6f6b',X'',1"));
  const auto prepared = s.feed(EventType::kXaPrepare, xa_prepare("ok"));
  REQUIRE(prepared);
  CHECK(prepared->prepared_xa == "X'6f6b',X'',1");
  CHECK_FALSE(prepared->has_changes);
  CHECK(prepared->resume.gtid_state == "0-1-10");  // the prepare's GTID is not lost
  CHECK(s.items.empty());
  uint32_t count = 0;
  CHECK(s.assembler.prepared_rows("X'6f6b',X'',1", &count) != nullptr);
  CHECK(count == 2);

  const uint64_t commit_start = s.offset;
  s.feed(EventType::kMariadbGtid, mariadb_gtid(11));
  const auto committed = s.feed(EventType::kQuery, query("XA COMMIT X'6f6b',X'',1"));
  REQUIRE(committed);
  CHECK(committed->resolved_xa == "X'6f6b',X'',1");
  CHECK(committed->resolved_xa_known);
  CHECK(committed->has_changes);
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[1].after == Row{int64_t{2}, "b"});
  CHECK(position_of(changes[0]) == BinlogPosition{"binlog.000003", commit_start, "0-1-11", 1});
  CHECK(position_of(changes[1]).index == 2);
  CHECK(std::get<BinlogPosition>(committed->end.position).index == 3);
  CHECK(committed->resume.gtid_state == "0-1-11");
  CHECK(s.assembler.prepared_rows("X'6f6b',X'',1") == nullptr);
}

TEST_CASE("XA: XA ROLLBACK of a prepared transaction gives nothing") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(12));
  s.feed(EventType::kQuery, query("XA START X'6e6f',X'',1"));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{2, "rolled back"}}));
  s.feed(EventType::kQuery, query("XA END X'6e6f',X'',1"));
  REQUIRE(s.feed(EventType::kXaPrepare, xa_prepare("no")));
  s.feed(EventType::kMariadbGtid, mariadb_gtid(13));
  const auto rolled_back = s.feed(EventType::kQuery, query("XA ROLLBACK X'6e6f',X'',1"));
  REQUIRE(rolled_back);
  CHECK(rolled_back->resolved_xa == "X'6e6f',X'',1");
  CHECK_FALSE(rolled_back->has_changes);
  CHECK(s.items.empty());
  CHECK(rolled_back->resume.gtid_state == "0-1-13");
}

TEST_CASE("XA: a transaction prepared before the stream started, restored, commits") {
  Stream s(items_only());
  auto rows = std::make_unique<TransactionBuffer>(nullptr, SpillStoreFactory{});
  RowChange kept;
  kept.op = Operation::kInsert;
  kept.table = std::make_shared<const TableSchema>(
      TableSchema{TableId{"app", "items"}, {{"id", "int", true}, {"name", "varchar", false}}, 1});
  kept.after = {int64_t{5}, "kept"};
  rows->append(kept);
  s.assembler.restore_prepared("X'6b',X'',1", std::move(rows), 1);
  s.feed(EventType::kMariadbGtid, mariadb_gtid(20));
  const auto committed = s.feed(EventType::kQuery, query("XA COMMIT X'6B',X'',1"));
  REQUIRE(committed);
  CHECK(committed->resolved_xa_known);
  const auto changes = s.changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].after == Row{int64_t{5}, "kept"});

  // One the stream never saw prepared: resolved, but nothing to hand out.
  s.feed(EventType::kMariadbGtid, mariadb_gtid(21));
  const auto unknown = s.feed(EventType::kQuery, query("XA COMMIT 'gone'"));
  REQUIRE(unknown);
  CHECK(unknown->resolved_xa == "X'676f6e65',X'',1");
  CHECK_FALSE(unknown->resolved_xa_known);
  CHECK(s.changes().size() == 1);
}

TEST_CASE("XA: MySQL's flavour, two-phase and one-phase (XA_PREPARE with one_phase)") {
  Stream s(items_only(), /*mariadb=*/false);
  s.feed(EventType::kGtid, mysql_gtid(5));
  s.feed(EventType::kQuery, query("XA START X'74',X'',1"));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRows,
         ByteWriter().u48(42).u16(1).u16(2).packed(2).hex("03").hex("00").u32(1).u8(1).str("a"));
  s.feed(EventType::kQuery, query("XA END X'74',X'',1"));
  const auto prepared = s.feed(EventType::kXaPrepare, xa_prepare("t"));
  REQUIRE(prepared);
  CHECK(prepared->prepared_xa == "X'74',X'',1");
  CHECK(prepared->resume.gtid_state == "3e11fa47-71ca-11e1-9e33-c80aa9429562:5");
  CHECK(s.items.empty());
  s.feed(EventType::kGtid, mysql_gtid(6));
  const auto committed = s.feed(EventType::kQuery, query("XA COMMIT X'74',X'',1"));
  REQUIRE(committed);
  CHECK(s.changes().size() == 1);
  CHECK(committed->resume.gtid_state == "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-6");

  s.feed(EventType::kGtid, mysql_gtid(7));
  s.feed(EventType::kQuery, query("XA START X'6f6e65',X'',1"));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRows,
         ByteWriter().u48(42).u16(1).u16(2).packed(2).hex("03").hex("00").u32(2).u8(1).str("b"));
  s.feed(EventType::kQuery, query("XA END X'6f6e65',X'',1"));
  const auto one_phase = s.feed(EventType::kXaPrepare, xa_prepare("one", /*one_phase=*/true));
  REQUIRE(one_phase);
  CHECK_FALSE(one_phase->prepared_xa);
  CHECK(one_phase->has_changes);
  REQUIRE(s.changes().size() == 2);
  CHECK(s.changes()[1].after == Row{int64_t{2}, "b"});
}

TEST_CASE("savepoints: ROLLBACK TO drops the rows since the savepoint and is not a commit") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(30));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{4, "kept"}}));
  CHECK_FALSE(s.feed(EventType::kQuery, query("SAVEPOINT `sp`")));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{5, "undone"}}));
  CHECK_FALSE(s.feed(EventType::kQuery, query("SAVEPOINT inner_sp")));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{7, "undone too"}}));
  CHECK_FALSE(s.feed(EventType::kQuery, query("ROLLBACK TO `sp`")));
  CHECK(s.assembler.in_transaction());
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{6, "after"}}));
  CHECK_FALSE(s.feed(EventType::kQuery, query("ROLLBACK TO SAVEPOINT sp")));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{8, "after the second rollback"}}));
  const auto commit = s.feed(EventType::kXid, xid(31));
  REQUIRE(commit);
  const auto changes = s.changes();
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].after == Row{int64_t{4}, "kept"});
  CHECK(changes[1].after == Row{int64_t{8}, "after the second rollback"});
  CHECK(position_of(changes[0]).index == 1);
  CHECK(position_of(changes[1]).index == 2);
  CHECK(std::get<BinlogPosition>(commit->end.position).index == 3);
}

TEST_CASE("savepoints: RELEASE keeps the rows; a ROLLBACK TO an unknown savepoint throws") {
  Stream s(items_only());
  s.feed(EventType::kMariadbGtid, mariadb_gtid(40));
  s.feed(EventType::kQuery, query("SAVEPOINT a"));
  s.feed(EventType::kTableMap, items_table_map(42));
  s.feed(EventType::kWriteRowsV1, write_rows(42, {{1, "x"}}));
  s.feed(EventType::kQuery, query("RELEASE SAVEPOINT a"));
  REQUIRE(s.feed(EventType::kXid, xid(41)));
  CHECK(s.changes().size() == 1);
  s.feed(EventType::kMariadbGtid, mariadb_gtid(42));
  CHECK_THROWS_AS(s.feed(EventType::kQuery, query("ROLLBACK TO b")), ProtocolError);
}

}  // namespace cdc::mysql::testing
