// Text-format values as PostgreSQL prints them (DateStyle=ISO, TimeZone=UTC,
// extra_float_digits=3, bytea_output=hex) to cdc::Value.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "connectors/postgres/pg_datetime.h"
#include "connectors/postgres/pg_types.h"
#include "connectors/postgres/pg_value_parser.h"
#include "core/errors.h"

namespace cdc::pg {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kTs = 1'704'164'645'678'901;  // 2024-01-02 03:04:05.678901 UTC

Value parse(uint32_t oid, std::string_view text) { return parse_pg_value(oid, text); }

TEST_CASE("pg value: bool") {
  CHECK(parse(oid::kBool, "t") == Value(true));
  CHECK(parse(oid::kBool, "f") == Value(false));
  CHECK_THROWS_WITH_AS(parse(oid::kBool, "yes"), "malformed PostgreSQL bool value 'yes'",
                       ProtocolError);
}

TEST_CASE("pg value: integers keep all 64 bits, int8 min and max included") {
  CHECK(parse(oid::kInt2, "-32768") == Value(int64_t{-32768}));
  CHECK(parse(oid::kInt4, "2147483647") == Value(int64_t{2147483647}));
  CHECK(parse(oid::kInt8, "9223372036854775807") == Value(std::numeric_limits<int64_t>::max()));
  CHECK(parse(oid::kInt8, "-9223372036854775808") == Value(std::numeric_limits<int64_t>::min()));
  CHECK(parse(oid::kOid, "4294967295") == Value(int64_t{4294967295}));
  CHECK_THROWS_AS(parse(oid::kInt8, "9223372036854775808"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4, "12x"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4, ""), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4, " 1"), ProtocolError);
}

TEST_CASE("pg value: numeric keeps its exact text beyond double precision") {
  CHECK(parse(oid::kNumeric, "123456789012345678901234567890.123456789012") ==
        Value(Decimal{"123456789012345678901234567890.123456789012"}));
  CHECK(parse(oid::kNumeric, "-0.00") == Value(Decimal{"-0.00"}));
  CHECK(parse(oid::kNumeric, "NaN") == Value(Decimal{"NaN"}));
  CHECK(parse(oid::kNumeric, "Infinity") == Value(Decimal{"Infinity"}));
  CHECK(parse(oid::kNumeric, "-Infinity") == Value(Decimal{"-Infinity"}));
  CHECK_THROWS_AS(parse(oid::kNumeric, "1e5"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kNumeric, "."), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kNumeric, "1.2.3"), ProtocolError);
}

TEST_CASE("pg value: floats, Infinity, -Infinity and NaN") {
  CHECK(parse(oid::kFloat8, "1.5") == Value(1.5));
  CHECK(parse(oid::kFloat8, "-1.7976931348623157e+308") ==
        Value(-std::numeric_limits<double>::max()));
  CHECK(parse(oid::kFloat4, "0.1") == Value(0.1));
  CHECK(parse(oid::kFloat8, "Infinity") == Value(std::numeric_limits<double>::infinity()));
  CHECK(parse(oid::kFloat8, "-Infinity") == Value(-std::numeric_limits<double>::infinity()));
  const Value nan = parse(oid::kFloat4, "NaN");
  REQUIRE(nan.is<double>());
  CHECK(std::isnan(nan.as<double>()));
  CHECK_THROWS_AS(parse(oid::kFloat8, "1.5abc"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kFloat8, "1e999"), ProtocolError);
}

TEST_CASE("pg value: text-like types are strings, unicode and empty included") {
  CHECK(parse(oid::kText, "") == Value(std::string()));
  CHECK(parse(oid::kText, "h\xc3\xa9llo \xe2\x9c\x93") == Value("h\xc3\xa9llo \xe2\x9c\x93"));
  CHECK(parse(oid::kVarchar, "a,b") == Value("a,b"));
  CHECK(parse(oid::kBpchar, "ab  ") == Value("ab  "));
  CHECK(parse(oid::kName, "users") == Value("users"));
  CHECK(parse(oid::kUuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") ==
        Value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  CHECK(parse(oid::kUnknown, "x") == Value("x"));
  CHECK(parse(16400, "happy") == Value("happy"));  // an enum: not a built-in OID
}

TEST_CASE("pg value: types without a native Value stay as printed") {
  CHECK(parse(oid::kTimetz, "13:14:15+05:30") == Value("13:14:15+05:30"));
  CHECK(parse(oid::kInterval, "1 year 2 mons 3 days 04:05:06") ==
        Value("1 year 2 mons 3 days 04:05:06"));
  CHECK(parse(oid::kMoney, "$1,234.50") == Value("$1,234.50"));
  CHECK(parse(oid::kBit, "101") == Value("101"));
  CHECK(parse(oid::kVarbit, "1") == Value("1"));
  CHECK(parse(oid::kInet, "192.168.0.1/24") == Value("192.168.0.1/24"));
}

TEST_CASE("pg value: json and jsonb keep their text") {
  CHECK(parse(oid::kJson, R"({"a": [1, 2]})") == Value(Json{R"({"a": [1, 2]})"}));
  CHECK(parse(oid::kJsonb, "null") == Value(Json{"null"}));
}

TEST_CASE("pg value: bytea in hex and escape form") {
  CHECK(parse(oid::kBytea, "\\x0001fFAb") == Value(Bytes{std::string("\x00\x01\xff\xab", 4)}));
  CHECK(parse(oid::kBytea, "\\x") == Value(Bytes{}));
  CHECK(parse(oid::kBytea, "a\\\\b\\000\\377") == Value(Bytes{std::string("a\\b\0\xff", 5)}));
  CHECK_THROWS_AS(parse(oid::kBytea, "\\x0"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kBytea, "\\xzz"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kBytea, "a\\9"), ProtocolError);
}

TEST_CASE("pg value: dates as days since 1970, before 1970, BC and infinite") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(parse(oid::kDate, "1970-01-01") == Value(Date{0}));
  CHECK(parse(oid::kDate, "1969-12-31") == Value(Date{-1}));
  CHECK(parse(oid::kDate, "2024-02-29") == Value(Date{19782}));
  CHECK(parse(oid::kDate, "10000-01-01") == Value(Date{2932897}));
  // 1 BC is astronomical year 0, a leap year; 44 BC is year -43.
  CHECK(parse(oid::kDate, "0001-01-01 BC") == Value(Date{-719528}));
  CHECK(parse(oid::kDate, "0001-02-29 BC") == Value(Date{-719469}));
  CHECK(parse(oid::kDate, "0044-03-15 BC") == Value(Date{-735160}));
  // Julian day 0 and PostgreSQL's last date.
  CHECK(parse(oid::kDate, "4714-11-24 BC") == Value(Date{-2440588}));
  CHECK(parse(oid::kDate, "5874897-12-31") == Value(Date{2145042905}));
  CHECK(parse(oid::kDate, "infinity") == Value(Date{Date::kInfinity}));
  CHECK(parse(oid::kDate, "-infinity") == Value(Date{Date::kMinusInfinity}));
  CHECK_THROWS_AS(parse(oid::kDate, "2023-02-29"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kDate, "2024-13-01"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kDate, "0000-01-01"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kDate, "2024-1-01"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kDate, "2024-01-01 AD"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kDate, "99999999-01-01"), ProtocolError);
}

TEST_CASE("pg value: timestamp without time zone is local wall-clock micros") {
  CHECK(parse(oid::kTimestamp, "2024-01-02 03:04:05.678901") == Value(LocalTimestamp{kTs}));
  CHECK(parse(oid::kTimestamp, "2024-01-02 03:04:05.5") ==
        Value(LocalTimestamp{kTs - 678901 + 500000}));
  CHECK(parse(oid::kTimestamp, "1969-12-31 23:59:59.999999") == Value(LocalTimestamp{-1}));
  CHECK(parse(oid::kTimestamp, "0044-03-15 12:00:00 BC") ==
        Value(LocalTimestamp{-735160 * kMicrosPerDay + 12 * 3'600'000'000LL}));
  CHECK(parse(oid::kTimestamp, "infinity") == Value(LocalTimestamp{LocalTimestamp::kInfinity}));
  CHECK(parse(oid::kTimestamp, "-infinity") ==
        Value(LocalTimestamp{LocalTimestamp::kMinusInfinity}));
  CHECK_THROWS_AS(parse(oid::kTimestamp, "2024-01-02 03:04:05+00"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamp, "2024-01-02 24:00:00"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamp, "2024-01-02 03:04:05.1234567"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamp, "2024-01-02T03:04:05"), ProtocolError);
}

TEST_CASE("pg value: timestamptz converts any offset to UTC") {
  CHECK(parse(oid::kTimestamptz, "2024-01-02 03:04:05.678901+00") == Value(Timestamp{kTs}));
  CHECK(parse(oid::kTimestamptz, "2024-01-02 03:04:05.678901+05:30") ==
        Value(Timestamp{kTs - 19'800'000'000}));
  CHECK(parse(oid::kTimestamptz, "2024-01-02 03:04:05.678901+05:30:17") ==
        Value(Timestamp{kTs - 19'817'000'000}));
  CHECK(parse(oid::kTimestamptz, "2024-01-02 03:04:05.678901-08") ==
        Value(Timestamp{kTs + 28'800'000'000}));
  CHECK(parse(oid::kTimestamptz, "1969-12-31 23:59:59.999999+00") == Value(Timestamp{-1}));
  CHECK(parse(oid::kTimestamptz, "0044-03-15 12:00:00+00 BC") ==
        Value(Timestamp{-735160 * kMicrosPerDay + 12 * 3'600'000'000LL}));
  CHECK(parse(oid::kTimestamptz, "infinity") == Value(Timestamp{Timestamp::kInfinity}));
  CHECK(parse(oid::kTimestamptz, "-infinity") == Value(Timestamp{Timestamp::kMinusInfinity}));
  CHECK_THROWS_AS(parse(oid::kTimestamptz, "2024-01-02 03:04:05"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamptz, "2024-01-02 03:04:05+5"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamptz, "2024-01-02 03:04:05+05:60"), ProtocolError);
}

TEST_CASE("pg value: a timestamp past the int64 range of Unix micros is an error, not a wrap") {
  CHECK_THROWS_AS(parse(oid::kTimestamptz, "294276-12-31 23:59:59.999999+00"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTimestamp, "9999999-12-31 00:00:00"), ProtocolError);
}

TEST_CASE("pg value: time of day") {
  CHECK(parse(oid::kTime, "00:00:00") == Value(TimeOfDay{0}));
  CHECK(parse(oid::kTime, "13:14:15.5") == Value(TimeOfDay{47'655'500'000}));
  CHECK(parse(oid::kTime, "24:00:00") == Value(TimeOfDay{kMicrosPerDay}));
  CHECK_THROWS_AS(parse(oid::kTime, "24:00:01"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTime, "12:60:00"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTime, "12:00"), ProtocolError);
}

TEST_CASE("pg value: arrays map to their element type") {
  CHECK(parse(oid::kInt4Array, "{1,-2,NULL}") == Value(ValueArray{1, -2, Null{}}));
  CHECK(parse(oid::kInt8Array, "{}") == Value(ValueArray{}));
  CHECK(parse(oid::kBoolArray, "{t,f}") == Value(ValueArray{true, false}));
  CHECK(parse(oid::kInt2Array, "{7}") == Value(ValueArray{7}));
  CHECK(parse(oid::kOidArray, "{26}") == Value(ValueArray{26}));
  CHECK(parse(oid::kFloat8Array, "{Infinity,-1.5}") ==
        Value(ValueArray{std::numeric_limits<double>::infinity(), -1.5}));
  CHECK(parse(oid::kFloat4Array, "{0.5}") == Value(ValueArray{0.5}));
  CHECK(parse(oid::kNumericArray, "{1.50,NaN}") ==
        Value(ValueArray{Decimal{"1.50"}, Decimal{"NaN"}}));
  CHECK(parse(oid::kDateArray, "{2024-02-29,infinity}") ==
        Value(ValueArray{Date{19782}, Date{Date::kInfinity}}));
  CHECK(parse(oid::kTimestampArray, R"({"2024-01-02 03:04:05.678901"})") ==
        Value(ValueArray{LocalTimestamp{kTs}}));
  CHECK(parse(oid::kTimestamptzArray, R"({"2024-01-02 03:04:05.678901+00",NULL})") ==
        Value(ValueArray{Timestamp{kTs}, Null{}}));
  CHECK(parse(oid::kTimeArray, "{13:14:15.5}") == Value(ValueArray{TimeOfDay{47'655'500'000}}));
  CHECK(parse(oid::kUuidArray, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}") ==
        Value(ValueArray{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}));
  CHECK(parse(oid::kVarcharArray, "{a,b}") == Value(ValueArray{"a", "b"}));
  CHECK(parse(oid::kBpcharArray, R"({"x  "})") == Value(ValueArray{"x  "}));
}

TEST_CASE("pg value: text arrays with quotes, escapes, NULL, empty strings and unicode") {
  CHECK(parse(oid::kTextArray, R"({"a b","c\"d","e\\f",NULL,"NULL",null,"",caf)"
                               "\xc3\xa9}") ==
        Value(ValueArray{"a b", "c\"d", "e\\f", Null{}, "NULL", Null{}, "", "caf\xc3\xa9"}));
  CHECK(parse(oid::kTextArray, R"({a\,b,x\"y})") == Value(ValueArray{"a,b", "x\"y"}));
  CHECK(parse(oid::kTextArray, " { a b , c } ") == Value(ValueArray{"a b", "c"}));
  CHECK(parse(oid::kTextArray, R"({"{}",",",";"})") == Value(ValueArray{"{}", ",", ";"}));
}

TEST_CASE("pg value: json, jsonb and bytea arrays unescape their elements") {
  CHECK(parse(oid::kJsonbArray, R"({"{\"a\": 1}","[1, 2]",null})") ==
        Value(ValueArray{Json{R"({"a": 1})"}, Json{"[1, 2]"}, Null{}}));
  CHECK(parse(oid::kJsonArray, R"({"\"s\""})") == Value(ValueArray{Json{R"("s")"}}));
  CHECK(parse(oid::kByteaArray, R"({"\\x0102",NULL})") ==
        Value(ValueArray{Bytes{"\x01\x02"}, Null{}}));
}

TEST_CASE("pg value: multi-dimensional arrays nest, dimension decoration is skipped") {
  CHECK(parse(oid::kInt4Array, "{{1,2},{3,NULL}}") ==
        Value(ValueArray{ValueArray{1, 2}, ValueArray{3, Null{}}}));
  CHECK(parse(oid::kTextArray, R"({{{"a"}}})") ==
        Value(ValueArray{Value(ValueArray{Value(ValueArray{"a"})})}));
  CHECK(parse(oid::kInt4Array, "[0:1]={7,8}") == Value(ValueArray{7, 8}));
  CHECK(parse(oid::kInt4Array, "[-2:-1][1:1]={{7},{8}}") ==
        Value(ValueArray{ValueArray{7}, ValueArray{8}}));
}

TEST_CASE("pg value: box arrays are separated by semicolons") {
  CHECK(parse(oid::kBoxArray, "{(1,1),(0,0);(2,2),(1,1)}") ==
        Value(ValueArray{"(1,1),(0,0)", "(2,2),(1,1)"}));
}

TEST_CASE("pg value: arrays of types that are not built in, by element type") {
  CHECK(parse_pg_array(oid::kText, "{happy,sad}") == Value(ValueArray{"happy", "sad"}));
}

TEST_CASE("pg value: malformed arrays name the array type and where it broke") {
  CHECK_THROWS_WITH_AS(parse(oid::kInt4Array, "{1,x}"),
                       "malformed PostgreSQL int4[] value '{1,x}': element 'x' is not a valid "
                       "int4 at character 4",
                       ProtocolError);
  CHECK_THROWS_WITH_AS(parse(oid::kInt4Array, "{1,2"),
                       doctest::Contains("expected ',' or '}' at character 4"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4Array, "{1,,2}"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4Array, "{1}x"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4Array, "1,2"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTextArray, R"({"abc})"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTextArray, R"({abc\)"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kTextArray, "{a\"b}"), ProtocolError);
  CHECK_THROWS_AS(parse(oid::kInt4Array, "[1:2{1,2}"), ProtocolError);
  CHECK_THROWS_WITH_AS(parse(oid::kInt4Array, "{{{{{{{1}}}}}}}"),
                       doctest::Contains("more than 6 dimensions"), ProtocolError);
}

TEST_CASE("pg value: errors quote at most about 80 characters of the text") {
  const std::string long_text(200, '9');
  try {
    parse(oid::kInt4, long_text + "x");
    FAIL("expected a ProtocolError");
  } catch (const ProtocolError& e) {
    const std::string message = e.what();
    CHECK(message.find("int4") != std::string::npos);
    CHECK(message.find("...' (201 bytes)") != std::string::npos);
    CHECK(message.size() < 140);
  }
}

TEST_CASE("pg types: names and array element types by OID") {
  CHECK(pg_type_name(oid::kInt4) == "int4");
  CHECK(pg_type_name(oid::kInt4Array) == "_int4");
  CHECK(pg_type_name(oid::kTimestamptz) == "timestamptz");
  CHECK(pg_type_name(oid::kJsonbArray) == "_jsonb");
  CHECK(pg_type_name(16400).empty());
  CHECK(pg_array_element_oid(oid::kTextArray) == oid::kText);
  CHECK(pg_array_element_oid(oid::kJsonArray) == oid::kJson);
  CHECK(pg_array_element_oid(oid::kText) == 0);
  CHECK(pg_array_delimiter(oid::kBox) == ';');
  CHECK(pg_array_delimiter(oid::kInt4) == ',');
}

}  // namespace
}  // namespace cdc::pg
