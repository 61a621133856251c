// PRODUCT.md "Types": every value kind to Retainly JSON, by default and by `type:`.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "mapping/civil_time.h"
#include "mapping/field_writer.h"
#include "mapping/time_zone.h"
#include "mapping/value_json.h"
#include "mapping_fixture.h"

using cdc::Bytes;
using cdc::Date;
using cdc::Decimal;
using cdc::Json;
using cdc::LocalTimestamp;
using cdc::Null;
using cdc::TimeOfDay;
using cdc::Timestamp;
using cdc::Value;
using cdc::ValueArray;
using cdc::mapping::MappingOptions;
using cdc::mapping::StringPolicy;
using cdc::mapping::testing::field_json;

namespace {

std::string repeat(std::string_view unit, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += unit;
  return out;
}

MappingOptions in_zone(std::string zone) {
  MappingOptions options;
  options.timezone = std::move(zone);
  return options;
}

// Micros of a wall-clock time, as readers build LocalTimestamp values.
int64_t wall(int y, unsigned m, unsigned d, int hh, int mm) {
  const int64_t days = cdc::mapping::days_from_civil(y, m, d);
  return (days * 86400 + hh * 3600 + mm * 60) * 1'000'000;
}

}  // namespace

TEST_CASE("types: NULL is null, and default: replaces it") {
  CHECK(field_json(Null{}) == "null");
  CHECK(field_json(Null{}, "{ column: v, default: unknown }") == "\"unknown\"");
  CHECK(field_json(Null{}, "{ column: v, type: number, default: 0 }") == "0");
}

TEST_CASE("types: NULL stays null through every explicit type; empty text is no value") {
  for (const char* type : {"string", "number", "boolean", "date", "date_time", "array", "json"}) {
    INFO("type " << type);
    CHECK(field_json(Null{}, std::string("{ column: v, type: ") + type + " }") == "null");
  }
  CHECK(field_json("", "{ column: v, type: string }") == "\"\"");
  CHECK(field_json("", "{ column: v, type: date }") == "null");
  CHECK(field_json("", "{ column: v, type: date_time }") == "null");
}

TEST_CASE("types: booleans and integers are exact, all 64 bits, signed and unsigned") {
  CHECK(field_json(true) == "true");
  CHECK(field_json(false) == "false");
  CHECK(field_json(int64_t{0}) == "0");
  CHECK(field_json(std::numeric_limits<int64_t>::max()) == "9223372036854775807");
  CHECK(field_json(std::numeric_limits<int64_t>::min()) == "-9223372036854775808");
  CHECK(field_json(std::numeric_limits<uint64_t>::max()) == "18446744073709551615");
}

TEST_CASE("types: doubles print shortest round-trip; NaN and infinities become null") {
  CHECK(field_json(0.1) == "0.1");
  CHECK(field_json(2.0) == "2");
  CHECK(field_json(1e20) == "1e+20");
  CHECK(field_json(-1.5e-7) == "-1.5e-07");
  CHECK(field_json(std::nan("")) == "null");
  CHECK(field_json(std::numeric_limits<double>::infinity()) == "null");
  CHECK(field_json(-std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("types: decimals are numbers up to 15 significant digits, else strings") {
  CHECK(field_json(Decimal{"12.30"}) == "12.3");
  CHECK(field_json(Decimal{"-0.00"}) == "0");
  CHECK(field_json(Decimal{"007.50"}) == "7.5");
  CHECK(field_json(Decimal{"100"}) == "100");
  CHECK(field_json(Decimal{"0.000000000000001"}) == "0.000000000000001");
  CHECK(field_json(Decimal{"123456789012345"}) == "123456789012345");
  CHECK(field_json(Decimal{"1234567890123.45"}) == "1234567890123.45");
  // 16 and more significant digits do not survive a double: sent as exact text.
  CHECK(field_json(Decimal{"1234567890123456"}) == "\"1234567890123456\"");
  CHECK(field_json(Decimal{"12345678901234567890.120"}) == "\"12345678901234567890.120\"");
  CHECK(field_json(Decimal{"NaN"}) == "null");
  CHECK(field_json(Decimal{"Infinity"}) == "null");
  CHECK(field_json(Decimal{"-Infinity"}) == "null");
}

TEST_CASE("types: decimal_as_string sends every decimal as text with its scale") {
  MappingOptions options;
  options.decimal_as_string = true;
  CHECK(field_json(Decimal{"12.30"}, "v", options) == "\"12.30\"");
  CHECK(field_json(Decimal{"-0012"}, "v", options) == "\"-12\"");
  CHECK(field_json(Decimal{"12.30"}, "{ column: v, type: number }", options) == "12.3");
  CHECK(field_json(Decimal{"12.30"}, "v", MappingOptions{}) == "12.3");
}

TEST_CASE("types: a mapping file can ask for decimals as strings") {
  const auto mapper = cdc::mapping::testing::mapper_from(
      "table: public.t\ndecimal_as_string: true\ncustomer: { id: id, fields: { f: v } }\n");
  const auto out = cdc::mapping::testing::map_one(
      mapper,
      cdc::mapping::testing::insert_of(cdc::mapping::testing::make_schema("public.t", {"id", "v"}),
                                       {1, Decimal{"1.50"}}));
  REQUIRE(out.calls.size() == 1);
  CHECK(out.calls[0].attributes[0].json == "\"1.50\"");
}

TEST_CASE("types: text is escaped, invalid UTF-8 replaced, never emitted") {
  CHECK(field_json("") == "\"\"");
  CHECK(field_json("say \"hi\"\\\n\t\x01") == "\"say \\\"hi\\\"\\\\\\n\\t\\u0001\"");
  CHECK(field_json("héllo ✓ 😀") == "\"héllo ✓ 😀\"");
  CHECK(field_json(std::string("a\xff"
                               "b")) ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  // A truncated 3-byte sequence is one replacement; the next character survives.
  CHECK(field_json(std::string("\xE2\x9C"
                               "x")) ==
        "\"\xEF\xBF\xBD"
        "x\"");
  // Surrogates encoded in UTF-8 are ill-formed.
  CHECK(field_json(std::string("\xED\xA0\x80")) == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("types: strings are cut at 1000 characters, counted in code points") {
  const std::string exactly = repeat("é", 1000);  // 2000 bytes
  CHECK(field_json(exactly) == "\"" + exactly + "\"");
  CHECK(field_json(repeat("é", 1001)) == "\"" + exactly + "\"");
  CHECK(field_json(repeat("😀", 1001)) == "\"" + repeat("😀", 1000) + "\"");
  CHECK(field_json(repeat("a", 1001)) == "\"" + repeat("a", 1000) + "\"");
  // trim runs before the limit.
  CHECK(field_json("  " + repeat("a", 1000) + "  ", "{ column: v, transform: trim }") ==
        "\"" + repeat("a", 1000) + "\"");
}

TEST_CASE("types: string_policy dead_letter rejects an overlong string instead") {
  MappingOptions options;
  options.string_policy = StringPolicy::kDeadLetter;
  CHECK(field_json(repeat("é", 1000), "v", options) == "\"" + repeat("é", 1000) + "\"");
  const std::string rejected = field_json(repeat("é", 1001), "v", options);
  CHECK(rejected.starts_with("REJECTED: customer: field f: a string of 1001 characters"));
}

TEST_CASE("types: bytes are base64") {
  CHECK(field_json(Bytes{""}) == "\"\"");
  CHECK(field_json(Bytes{std::string("\x00\xff", 2)}) == "\"AP8=\"");
  CHECK(field_json(Bytes{"abc"}) == "\"YWJj\"");
  CHECK(field_json(Bytes{"abcd"}) == "\"YWJjZA==\"");
}

TEST_CASE("types: dates are YYYY-MM-DD, before 1970 and before year 1000 too") {
  CHECK(field_json(Date{0}) == "\"1970-01-01\"");
  CHECK(field_json(Date{-1}) == "\"1969-12-31\"");
  CHECK(field_json(Date{19844}) == "\"2024-05-01\"");
  CHECK(field_json(Date{static_cast<int32_t>(cdc::mapping::days_from_civil(999, 3, 1))}) ==
        "\"0999-03-01\"");
  CHECK(field_json(Date{static_cast<int32_t>(cdc::mapping::days_from_civil(1, 1, 1))}) ==
        "\"0001-01-01\"");
  CHECK(field_json(Date{Date::kInfinity}) == "null");
  CHECK(field_json(Date{Date::kMinusInfinity}) == "null");
  CHECK(field_json(Date{static_cast<int32_t>(cdc::mapping::days_from_civil(10000, 1, 1))})
            .starts_with("REJECTED: customer: field f: date"));
}

TEST_CASE("types: timestamps are UTC with milliseconds, truncated toward the past") {
  CHECK(field_json(Timestamp{0}) == "\"1970-01-01T00:00:00.000Z\"");
  CHECK(field_json(Timestamp{1'714'564'800'123'999}) == "\"2024-05-01T12:00:00.123Z\"");
  CHECK(field_json(Timestamp{-1}) == "\"1969-12-31T23:59:59.999Z\"");
  CHECK(field_json(Timestamp{-62'135'596'800'000'000}) == "\"0001-01-01T00:00:00.000Z\"");
  CHECK(field_json(Timestamp{Timestamp::kInfinity}) == "null");
  CHECK(field_json(Timestamp{Timestamp::kMinusInfinity}) == "null");
}

TEST_CASE("types: naive timestamps are read in the configured zone, UTC by default") {
  const int64_t summer_noon = wall(2024, 7, 1, 12, 0);
  CHECK(field_json(LocalTimestamp{summer_noon}) == "\"2024-07-01T12:00:00.000Z\"");
  CHECK(field_json(LocalTimestamp{summer_noon}, "v", in_zone("Europe/Berlin")) ==
        "\"2024-07-01T10:00:00.000Z\"");
  CHECK(field_json(LocalTimestamp{wall(2024, 1, 15, 12, 0)}, "v", in_zone("Europe/Berlin")) ==
        "\"2024-01-15T11:00:00.000Z\"");
  CHECK(field_json(LocalTimestamp{summer_noon}, "v", in_zone("+05:30")) ==
        "\"2024-07-01T06:30:00.000Z\"");
  CHECK(field_json(LocalTimestamp{summer_noon}, "v", in_zone("America/New_York")) ==
        "\"2024-07-01T16:00:00.000Z\"");
  CHECK(field_json(LocalTimestamp{LocalTimestamp::kInfinity}, "v", in_zone("Europe/Berlin")) ==
        "null");
}

TEST_CASE("types: DST gaps take the offset before the jump, repeated hours the one after") {
  const auto berlin = in_zone("Europe/Berlin");
  // 2024-03-31 02:30 does not exist in Berlin (02:00 -> 03:00): read as 02:30 CET.
  CHECK(field_json(LocalTimestamp{wall(2024, 3, 31, 2, 30)}, "v", berlin) ==
        "\"2024-03-31T01:30:00.000Z\"");
  // 2024-10-27 02:30 happens twice: the second, CET, is taken.
  CHECK(field_json(LocalTimestamp{wall(2024, 10, 27, 2, 30)}, "v", berlin) ==
        "\"2024-10-27T01:30:00.000Z\"");
  CHECK(field_json(LocalTimestamp{wall(2024, 10, 27, 1, 30)}, "v", berlin) ==
        "\"2024-10-26T23:30:00.000Z\"");
  // Beyond the zone file's transitions (2037) the POSIX rule at its end applies.
  CHECK(field_json(LocalTimestamp{wall(2100, 7, 1, 12, 0)}, "v", berlin) ==
        "\"2100-07-01T10:00:00.000Z\"");
  CHECK(field_json(LocalTimestamp{wall(2100, 12, 1, 12, 0)}, "v", berlin) ==
        "\"2100-12-01T11:00:00.000Z\"");
  // Before standard time zones, Berlin's local mean time (+0:53:28) applies.
  CHECK(field_json(LocalTimestamp{wall(1850, 1, 1, 12, 0)}, "v", berlin) ==
        "\"1850-01-01T11:06:32.000Z\"");
}

TEST_CASE("types: times of day keep microseconds; negative and past 24 hours allowed") {
  CHECK(field_json(TimeOfDay{0}) == "\"00:00:00\"");
  CHECK(field_json(TimeOfDay{(13 * 3600 + 5 * 60 + 9) * 1'000'000LL}) == "\"13:05:09\"");
  CHECK(field_json(TimeOfDay{1'500'000}) == "\"00:00:01.500000\"");
  CHECK(field_json(TimeOfDay{-3600LL * 1'000'000}) == "\"-01:00:00\"");
  CHECK(field_json(TimeOfDay{(838LL * 3600 + 59 * 60 + 59) * 1'000'000}) == "\"838:59:59\"");
}

TEST_CASE("types: json arrays stay arrays, scalars stay scalars") {
  CHECK(field_json(Json{"[1, \"a\", true, null]"}) == "[1,\"a\",true,null]");
  CHECK(field_json(Json{"[{\"name\": \"apple\", \"tags\": [\"red\"]}]"}) ==
        "[{\"name\":\"apple\",\"tags\":[\"red\"]}]");
  CHECK(field_json(Json{"\"text\""}) == "\"text\"");
  CHECK(field_json(Json{"42"}) == "42");
  CHECK(field_json(Json{"null"}) == "null");
}

TEST_CASE("types: json objects are refused unless flattened or sent as a string") {
  CHECK(field_json(Json{"{\"a\":1}"}).starts_with("REJECTED: customer: field f: a json object"));
  CHECK(field_json(Json{"{\"b\": 1, \"a\": {\"c\": \"x\"}}"}, "{ column: v, as: string }") ==
        "\"{\\\"a\\\":{\\\"c\\\":\\\"x\\\"},\\\"b\\\":1}\"");
  CHECK(field_json(Json{"[[1]]"}).starts_with("REJECTED"));
  CHECK(field_json(Json{"[[1]]"}, "{ column: v, as: string }") == "\"[[1]]\"");
  CHECK(field_json(Json{"[{\"a\": {\"b\": 1}}]"}).find("refuses objects") != std::string::npos);
  CHECK(field_json(Json{"[{\"a\": [{\"b\": [1]}]}]"}).find("deeper") != std::string::npos);
  CHECK(field_json(Json{"{not json"}).find("not valid JSON") != std::string::npos);
}

TEST_CASE("types: flatten turns a json object into prefixed fields") {
  const auto mapper = cdc::mapping::testing::mapper_from(R"(
table: public.t
customer:
  id: id
  fields:
    address: { column: v, flatten: addr }
    meta: { column: m, flatten: true }
)");
  const auto schema = cdc::mapping::testing::make_schema("public.t", {"id", "v", "m"});
  const auto out = cdc::mapping::testing::map_one(
      mapper, cdc::mapping::testing::insert_of(
                  schema, {1, Json{"{\"zip\": \"10115\", \"geo\": {\"lat\": 52.5}, \"tags\": [1]}"},
                           Json{"{\"x\": 1}"}}));
  REQUIRE(out.calls.size() == 1);
  CHECK(cdc::mapping::testing::attributes_of(out.calls[0]) ==
        "{\"addr_geo_lat\":52.5,\"addr_tags\":[1],\"addr_zip\":\"10115\",\"meta_x\":1}");
}

TEST_CASE("types: SQL arrays and MySQL SETs become JSON arrays") {
  CHECK(field_json(ValueArray{Value("a"), Value("b")}) == "[\"a\",\"b\"]");
  CHECK(field_json(ValueArray{Value(1), Value(Null{}), Value(Decimal{"2.50"})}) == "[1,null,2.5]");
  CHECK(field_json(ValueArray{}) == "[]");
  CHECK(field_json(ValueArray{Value(Json{"{\"a\":1}"})}) == "[{\"a\":1}]");
  CHECK(field_json(ValueArray{Value(ValueArray{Value(1)})}).find("arrays directly inside arrays") !=
        std::string::npos);
}

TEST_CASE("types: type number parses text; failures are value errors for the row") {
  CHECK(field_json("42", "{ column: v, type: number }") == "42");
  CHECK(field_json(" -12.50 ", "{ column: v, type: number }") == "-12.5");
  CHECK(field_json("1.5e3", "{ column: v, type: number }") == "1500");
  CHECK(field_json("", "{ column: v, type: number }") == "null");
  CHECK(field_json(true, "{ column: v, type: number }") == "1");
  CHECK(field_json(Json{"7"}, "{ column: v, type: number }") == "7");
  CHECK(field_json(Decimal{"12345678901234567890"}, "{ column: v, type: number }") ==
        "12345678901234567890");
  CHECK(field_json("abc", "{ column: v, type: number }") ==
        "REJECTED: customer: field f: 'abc' does not convert to number");
  CHECK(field_json("nan", "{ column: v, type: number }").starts_with("REJECTED"));
  CHECK(field_json(Date{0}, "{ column: v, type: number }").starts_with("REJECTED"));
}

TEST_CASE("types: type boolean reads integers and the usual words") {
  CHECK(field_json(int64_t{1}, "{ column: v, type: boolean }") == "true");
  CHECK(field_json(int64_t{0}, "{ column: v, type: boolean }") == "false");
  CHECK(field_json("Yes", "{ column: v, type: boolean }") == "true");
  CHECK(field_json(" f ", "{ column: v, type: boolean }") == "false");
  CHECK(field_json("", "{ column: v, type: boolean }") == "null");
  CHECK(field_json("maybe", "{ column: v, type: boolean }").starts_with("REJECTED"));
  // Numbers convert (mappings/README.md), floats too: zero is false.
  CHECK(field_json(0.5, "{ column: v, type: boolean }") == "true");
  CHECK(field_json(0.0, "{ column: v, type: boolean }") == "false");
  CHECK(field_json(-2.0, "{ column: v, type: boolean }") == "true");
}

TEST_CASE("types: type date and date_time convert between dates, instants and text") {
  CHECK(field_json(Timestamp{-1}, "{ column: v, type: date }") == "\"1969-12-31\"");
  CHECK(field_json(LocalTimestamp{wall(2024, 5, 1, 23, 30)}, "{ column: v, type: date }",
                   in_zone("Asia/Tokyo")) == "\"2024-05-01\"");
  CHECK(field_json("2024-05-01", "{ column: v, type: date }") == "\"2024-05-01\"");
  CHECK(field_json("2024-02-30", "{ column: v, type: date }").starts_with("REJECTED"));
  CHECK(field_json(Date{19844}, "{ column: v, type: date_time }", in_zone("Europe/Berlin")) ==
        "\"2024-04-30T22:00:00.000Z\"");
  CHECK(field_json("2024-05-01 12:00:00+02", "{ column: v, type: date_time }") ==
        "\"2024-05-01T10:00:00.000Z\"");
  CHECK(field_json("2024-05-01T12:00:00.123456Z", "{ column: v, type: date_time }") ==
        "\"2024-05-01T12:00:00.123Z\"");
  CHECK(field_json("2024-05-01 12:00", "{ column: v, type: date_time }",
                   in_zone("Europe/Berlin")) == "\"2024-05-01T10:00:00.000Z\"");
  CHECK(field_json("soon", "{ column: v, type: date_time }").starts_with("REJECTED"));
}

TEST_CASE("types: type string gives the text form; type array and json parse text") {
  CHECK(field_json(int64_t{42}, "{ column: v, type: string }") == "\"42\"");
  CHECK(field_json(Decimal{"1.50"}, "{ column: v, type: string }") == "\"1.50\"");
  CHECK(field_json(Date{0}, "{ column: v, type: string }") == "\"1970-01-01\"");
  CHECK(field_json(true, "{ column: v, type: string }") == "\"true\"");
  CHECK(field_json("[\"a\", 1]", "{ column: v, type: array }") == "[\"a\",1]");
  CHECK(field_json("{\"a\": 1}", "{ column: v, type: array }").starts_with("REJECTED"));
  CHECK(field_json("{\"a\": 1}", "{ column: v, type: json, as: string }") == "\"{\\\"a\\\":1}\"");
}

TEST_CASE("types: transforms apply to text, in order") {
  CHECK(field_json("  Ada@Example.COM ", "{ column: v, transform: [trim, lower] }") ==
        "\"ada@example.com\"");
  CHECK(field_json("pro", "{ column: v, transform: upper }") == "\"PRO\"");
  CHECK(field_json("Émile", "{ column: v, transform: lower }") == "\"Émile\"");
  CHECK(field_json(int64_t{5}, "{ column: v, transform: upper }") == "5");
}

TEST_CASE("types: constants are typed as YAML types them") {
  CHECK(field_json(Null{}, "{ value: true }") == "true");
  CHECK(field_json(Null{}, "{ value: 12.50 }") == "12.5");
  CHECK(field_json(Null{}, "{ value: \"12\" }") == "\"12\"");
  CHECK(field_json(Null{}, "{ value: pro, transform: upper }") == "\"PRO\"");
  CHECK(field_json(Null{}, "{ value: [a, 1] }") == "[\"a\",1]");
  CHECK(field_json(Null{}, "{ value: \"2024-05-01\", type: date_time }") ==
        "\"2024-05-01T00:00:00.000Z\"");
}

TEST_CASE("types: equal values from PostgreSQL and MySQL give byte-identical JSON") {
  // jsonb prints keys in its own order, MySQL JSON in another; the text form is one.
  CHECK(field_json(Json{"{\"b\": 1, \"a\": [1, 2.5]}"}, "{ column: v, as: string }") ==
        field_json(Json{"{\"a\":[1,2.5],\"b\":1}"}, "{ column: v, as: string }"));
  CHECK(field_json(Decimal{"12.30"}) == field_json(Decimal{"12.3"}));
  CHECK(field_json(int64_t{7}) == field_json(uint64_t{7}));
}

TEST_CASE("types: a plain field's integers and text are the JSON every value kind gets") {
  // write_value_json() writes these itself, without append_default_json()'s visit: the
  // same bytes, and the same refusals, either way.
  std::string error;
  const auto utc = cdc::mapping::TimeZone::load("UTC", error);
  REQUIRE(utc);
  const cdc::mapping::FieldSpec plain;
  for (const auto policy : {StringPolicy::kTruncate, StringPolicy::kDeadLetter}) {
    const std::vector<Value> values = {int64_t{0},
                                       int64_t{-1},
                                       int64_t{42},
                                       std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max(),
                                       std::string(),
                                       std::string("plain text 12"),
                                       std::string("tab\there"),
                                       std::string("quote \" and \\"),
                                       std::string("\x01"),
                                       std::string("caf\xc3\xa9"),
                                       std::string("bad \xff byte"),
                                       repeat("a", 1000),
                                       repeat("a", 1001),
                                       repeat("\xc3\xa9", 1001)};
    for (const Value& value : values) {
      CAPTURE(value.debug_string());
      cdc::mapping::WriteContext direct{.zone = utc.get(), .string_policy = policy};
      cdc::mapping::WriteContext general{.zone = utc.get(), .string_policy = policy};
      std::string written = "[";
      std::string expected = "[";
      const bool ok = cdc::mapping::write_value_json(value, plain, direct, written);
      CHECK(ok == cdc::mapping::append_default_json(expected, value, {}, general));
      CHECK(written == expected);
      CHECK(direct.error == general.error);
    }
  }
}
