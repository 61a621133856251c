#include <doctest/doctest.h>

#include <limits>

#include "core/errors.h"
#include "core/row_change_codec.h"

using namespace cdc;

namespace {

RowChange every_kind_of_value() {
  RowChange change;
  change.op = Operation::kUpdate;
  change.commit_time_micros = -1234567;
  change.before = {Null{}, Unchanged{}, int64_t{42}};
  change.after = {Null{},
                  Unchanged{},
                  true,
                  false,
                  std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<uint64_t>::max(),
                  -0.5,
                  Decimal{"-12.3400"},
                  std::string("text with \0 inside", 18),
                  Bytes{std::string("\x00\xff\x01", 3)},
                  Date{Date::kMinusInfinity},
                  Timestamp{Timestamp::kInfinity},
                  LocalTimestamp{-1},
                  TimeOfDay{86399999999},
                  Json{R"({"a":[1,2]})"},
                  ValueArray{int64_t{1}, ValueArray{std::string("nested")}, Null{}}};
  return change;
}

}  // namespace

TEST_CASE("row change codec: every kind of value comes back equal") {
  const RowChange change = every_kind_of_value();
  std::string bytes;
  encode_row_change(change, 3, 77, bytes);
  const DecodedRowChange decoded = decode_row_change(bytes);
  CHECK(decoded.schema_index == 3);
  CHECK(decoded.tag == 77);
  CHECK(decoded.change.op == Operation::kUpdate);
  CHECK(decoded.change.commit_time_micros == -1234567);
  CHECK(decoded.change.before == change.before);
  CHECK(decoded.change.after == change.after);
}

TEST_CASE("row change codec: narrow rows take a few bytes per value") {
  RowChange change;
  change.op = Operation::kInsert;
  change.after = {int64_t{123456}, int64_t{3}, int64_t{2}};
  std::string bytes;
  encode_row_change(change, 0, 0, bytes);
  CHECK(bytes.size() <= 16);
}

TEST_CASE("row change codec: damaged bytes throw ProtocolError, never read past the end") {
  std::string bytes;
  encode_row_change(every_kind_of_value(), 0, 0, bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    CHECK_THROWS_AS(decode_row_change(std::string_view(bytes).substr(0, cut)), ProtocolError);
  }
  CHECK_THROWS_AS(decode_row_change(bytes + "x"), ProtocolError);
  std::string unknown_kind = bytes;
  unknown_kind[5] = '\x7f';
  CHECK_THROWS_AS(decode_row_change(std::string("\x01\x00\x00\x00\x01\x01\x7f", 7)), ProtocolError);
}

TEST_CASE("row change codec: a schema comes back equal") {
  TableSchema schema{
      TableId{"public", "users"}, {{"id", "int8", true}, {"name", "text", false}}, 9};
  std::string bytes;
  encode_table_schema(schema, bytes);
  const TableSchema decoded = decode_table_schema(bytes);
  CHECK(decoded.id == schema.id);
  CHECK(decoded.version == 9);
  REQUIRE(decoded.columns.size() == 2);
  CHECK(decoded.columns[0].name == "id");
  CHECK(decoded.columns[0].is_key);
  CHECK(decoded.columns[1].type_name == "text");
  CHECK_FALSE(decoded.columns[1].is_key);
}

TEST_CASE("row change codec: the size estimate counts value slots and long strings") {
  RowChange narrow;
  narrow.after = {int64_t{1}, int64_t{2}};
  RowChange wide = narrow;
  wide.after.push_back(std::string(1000, 'x'));
  CHECK(estimated_bytes(narrow) >= sizeof(RowChange) + 2 * sizeof(Value));
  CHECK(estimated_bytes(wide) >= estimated_bytes(narrow) + 1000);
}
