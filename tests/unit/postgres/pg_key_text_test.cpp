// pg_key_text(): key values written back as text PostgreSQL reads as the same value.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "connectors/postgres/pg_key_text.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"

using namespace cdc;
using namespace cdc::pg;

TEST_CASE("pg_key_text: the server's text forms read back as the same value") {
  // (type, text as the server prints it under the connection's session settings)
  const std::vector<std::pair<uint32_t, std::string>> samples = {
      {oid::kInt8, "-9223372036854775808"},
      {oid::kInt4, "42"},
      {oid::kBool, "t"},
      {oid::kNumeric, "-12.3400"},
      {oid::kNumeric, "NaN"},
      {oid::kFloat8, "0.1"},
      {oid::kFloat8, "-Infinity"},
      {oid::kText, "O'Brien \\ \"x\""},
      {oid::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
      {oid::kBytea, "\\x00ff10"},
      {oid::kDate, "2024-02-29"},
      {oid::kDate, "0044-03-15 BC"},
      {oid::kDate, "infinity"},
      {oid::kTimestamp, "1969-12-31 23:59:59.999999"},
      {oid::kTimestamp, "2024-02-29 13:14:15.123456"},
      {oid::kTimestamptz, "2024-02-29 13:14:15.5+00"},
      {oid::kTimestamptz, "0044-03-15 12:00:00+00 BC"},
      {oid::kTimestamptz, "-infinity"},
      {oid::kTime, "24:00:00"},
      {oid::kTime, "08:05:03.000001"},
      {oid::kJsonb, "{\"a\": 1}"},
  };
  for (const auto& [type, text] : samples) {
    CAPTURE(text);
    const Value value = parse_pg_value(type, text);
    const auto key = pg_key_text(value);
    REQUIRE(key.has_value());
    CHECK(parse_pg_value(type, *key) == value);
  }
}

TEST_CASE("pg_key_text: no text for values a key lookup cannot use") {
  CHECK_FALSE(pg_key_text(Value(Null{})).has_value());
  CHECK_FALSE(pg_key_text(Value(Unchanged{})).has_value());
  CHECK_FALSE(pg_key_text(parse_pg_value(oid::kInt4Array, "{1,2}")).has_value());
}

TEST_CASE("pg_parse_oid: the type a column's values are read as, from its type name") {
  CHECK(pg_parse_oid("int8") == oid::kInt8);
  CHECK(pg_parse_oid("_int4") == oid::kInt4Array);
  CHECK(pg_parse_oid("timestamptz") == oid::kTimestamptz);
  CHECK(pg_parse_oid("mood") == oid::kText);
  CHECK(pg_parse_oid("_mood") == oid::kTextArray);
  CHECK(pg_parse_oid("oid:16385") == oid::kText);
}
