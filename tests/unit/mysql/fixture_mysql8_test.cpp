// MySQL 8 fixtures that mariadb-binlog cannot decode, checked against values derived by
// hand from their bytes (layouts in connectors/mysql/*.h) and the statements that
// wrote them.
#include <doctest/doctest.h>

#include "decoded_file.h"
#include "fixture_files.h"

namespace cdc::mysql::testing {
namespace {

DecodedFile decode_fixture(const std::string& name) {
  return decode_binlog_file((fixtures_dir() / name).string());
}

Row row(std::initializer_list<Value> values) { return Row(values); }

const Value kAbsent = Unchanged{};

}  // namespace

TEST_CASE("json.binlog: JSON documents and partial JSON updates (MySQL 8.0.22)") {
  const DecodedFile f = decode_fixture("mysql8/json.binlog.000001");
  REQUIRE(f.changes.size() == 18);
  const char* joe24 = R"({"age":24,"data":"xxxxxxxxxx","name":"Joe"})";
  const char* sue32 = R"({"age":32,"data":"yyyyyyyyyy","name":"Sue"})";
  const char* pete40 = R"({"age":40,"data":"zzzzzzzzzz","name":"Pete"})";
  // INSERT ... three rows, then INSERT ... SELECT copying them as ids 4-6.
  CHECK(f.changes[0].images.after == row({1, Json{joe24}, "Joe", 24}));
  CHECK(f.changes[1].images.after == row({2, Json{sue32}, "Sue", 32}));
  CHECK(f.changes[2].images.after == row({3, Json{pete40}, "Pete", 40}));
  CHECK(f.changes[5].images.after == row({6, Json{pete40}, "Pete", 40}));
  // A full-image UPDATE of age + 1 (the generated age column follows the document).
  CHECK(f.changes[6].kind == RowsKind::kUpdate);
  CHECK(f.changes[6].images.before == row({1, Json{joe24}, "Joe", 24}));
  CHECK(f.changes[6].images.after ==
        row({1, Json{R"({"age":25,"data":"xxxxxxxxxx","name":"Joe"})"}, "Joe", 25}));
  // JSON_SET(json_col, '$.age', age + 1) logged as PARTIAL_UPDATE_ROWS_EVENT: the after
  // image holds the diff "replace $.age with 26" and the before image only the key, so
  // the diff is handed out for the caller to apply.
  for (size_t i = 12; i < 18; ++i) {
    INFO("change ", i);
    CHECK(f.changes[i].kind == RowsKind::kPartialUpdate);
  }
  const RowImages& joe = f.changes[12].images;
  CHECK(joe.before == row({1, kAbsent, kAbsent, kAbsent}));
  CHECK(joe.after == row({kAbsent, kAbsent, "Joe", 26}));
  REQUIRE(joe.partial_json.size() == 1);
  CHECK(joe.partial_json[0].column == 1);
  CHECK(joe.partial_json[0].diffs ==
        std::vector<JsonDiff>{{JsonDiffOperation::kReplace, "$.age", "26"}});
  CHECK(f.changes[17].images.after == row({kAbsent, kAbsent, "Pete", 42}));
  // Applied to the document the full update left, the diff gives the new document.
  const auto& before_partial = f.changes[6].images.after[1].as<Json>().text;
  CHECK(apply_json_diff(before_partial, joe.partial_json[0].diffs) ==
        R"({"age":26,"data":"xxxxxxxxxx","name":"Joe"})");
}

TEST_CASE("json-opaque.binlog: opaque JSON scalars (MySQL 9.0.1)") {
  const DecodedFile f = decode_fixture("mysql8/json-opaque.binlog");
  std::vector<std::string> docs;
  for (const DecodedChange& c : f.changes) docs.push_back(c.images.after.at(0).as<Json>().text);
  CHECK(docs == std::vector<std::string>{
                    R"({"a":"base64:type15:VQ=="})",          // a binary string 'U'
                    R"({"b":"2012-03-18"})",                  // DATE
                    R"({"c":"2012-03-18 11:30:45.000000"})",  // DATETIME
                    R"({"c":"87:31:46.654321"})",             // TIME
                    R"({"d":123.456})",                       // DECIMAL(6,3)
                    R"({"e":9.00})",                          // DECIMAL(11,2)
                    R"({"e":[0,1,true,false]})",              // inlined scalars
                    R"({"e":null})",
                });
}

TEST_CASE("binlog_transaction_with_GTID_TAG: tagged GTIDs (MySQL 9.6)") {
  const DecodedFile f = decode_fixture("mysql8/binlog_transaction_with_GTID_TAG.000001");
  const auto previous = events_of<PreviousGtidsEvent>(f);
  REQUIRE(previous.size() == 1);
  CHECK(previous[0]->to_string() == "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2");
  const auto gtids = events_of<GtidEvent>(f);
  REQUIRE(gtids.size() == 1);
  CHECK(gtids[0]->to_string() == "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
  CHECK(gtids[0]->tag == "mytag");
  CHECK(gtids[0]->gno == 3);
  CHECK(gtids[0]->transaction_length > 0);
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes[0].table->table == "orders");
  CHECK(f.changes[0].images.after == row({3, 100, Decimal{"250.00"}}));
}

TEST_CASE("binlog_transaction_with_GTID: MySQL 5.6 GTID events without logical clocks") {
  const DecodedFile f = decode_fixture("mysql8/binlog_transaction_with_GTID.000001");
  const auto gtids = events_of<GtidEvent>(f);
  REQUIRE(gtids.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(gtids[i]->to_string() == "006c2cf2-b1ea-11e4-9057-8c705a3d3e78:" + std::to_string(i + 1));
    CHECK(gtids[i]->sequence_number == 0);
  }
  CHECK(events_of<StopEvent>(f).size() == 1);
}

TEST_CASE("transaction_compression: a zstd payload holds query, table map, rows, xid") {
  const DecodedFile f = decode_fixture("mysql8/transaction_compression.000001");
  std::vector<uint8_t> inner_types;
  for (size_t i = 0; i < f.events.size(); ++i) {
    if (!f.from_payload[i]) continue;
    inner_types.push_back(f.events[i].header.type_code);
    CHECK(f.events[i].header.log_pos == 0);
  }
  CHECK(inner_types == std::vector<uint8_t>{2, 19, 30, 16});
  const auto payloads = events_of<TransactionPayloadEvent>(f);
  REQUIRE(payloads.size() == 1);
  CHECK(payloads[0]->compression == TransactionPayloadEvent::Compression::kZstd);
  CHECK(payloads[0]->uncompressed_size == 179);
  REQUIRE(f.changes.size() == 1);
  CHECK(f.changes[0].table->table == "tb1");
  CHECK(f.changes[0].images.after == row({1}));
}

TEST_CASE("apecloud-mysql-bin: two compressed transactions with an UPDATE and an INSERT") {
  const DecodedFile f = decode_fixture("mysql8/apecloud-mysql-bin.000057");
  CHECK(events_of<TransactionPayloadEvent>(f).size() == 2);
  REQUIRE(f.changes.size() == 3);
  CHECK(f.changes[0].images.after == row({1}));
  const RowImages& update = f.changes[1].images;
  CHECK(f.changes[1].kind == RowsKind::kUpdate);
  // Without ENUM/SET strings in the metadata, the ENUM is its index and the SET a mask.
  CHECK(update.before[0] == Value(55555));
  CHECK(update.before[6] == Value(4));
  CHECK(update.before[7] == Value(uint64_t{8}));
  CHECK(update.after[7] == Value(uint64_t{4}));
  CHECK(update.before[9] == Value(Json{R"({"c":1})"}));
  CHECK(update.before[10] == Value("product_item_2_value"));
  CHECK(update.after[10] == Value("product_3_value"));
  CHECK(update.before[2] == Value(Date{19316}));  // 2022-11-20
  CHECK(f.changes[2].images.after[0] == Value(6666));
  CHECK(f.changes[2].images.after[5] == Value(Timestamp{1668952412000000}));
}

TEST_CASE("osheroff compressed: an UPDATE inside a payload keeps long VARCHARs") {
  const DecodedFile f = decode_fixture("mysql8/osheroff-mysql-bin.compressed");
  REQUIRE(f.changes.size() == 1);
  const RowImages& update = f.changes[0].images;
  CHECK(update.before[1] == Value("Once Upon a Time in the West"));
  CHECK(update.before[4] == Value("Western"));
  CHECK(update.after[4] == Value("Western|Action"));
  CHECK(update.after[2] == Value(1968));
}

}  // namespace cdc::mysql::testing
