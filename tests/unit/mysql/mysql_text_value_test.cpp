// Column values as a text-protocol query returns them -> the cdc::Value the binlog reader
// gives for the same stored value (connectors/mysql/mysql_text_value.h). Texts are what
// MariaDB 10.11 prints for the select expressions mysql_text_select() writes.
#include <doctest/doctest.h>

#include <limits>

#include "connectors/mysql/catalog_table_map.h"
#include "connectors/mysql/column_value_decoder.h"
#include "connectors/mysql/mysql_temporal.h"
#include "connectors/mysql/mysql_text_value.h"
#include "core/errors.h"

namespace cdc::mysql::testing {
namespace {

// The column as the reader describes it, from its information_schema COLUMN_TYPE.
ColumnInfo info(const std::string& column_type, const std::string& charset = "") {
  return catalog_column_info({"c", column_type, charset, false});
}

Value value(const std::string& column_type, std::string_view text,
            const std::string& charset = "") {
  return mysql_text_value(info(column_type, charset), text);
}

std::string select(const std::string& column_type, const std::string& charset = "") {
  return mysql_text_select(info(column_type, charset), "`c`");
}

constexpr int64_t kMicrosPerSecond = 1'000'000;

}  // namespace

TEST_CASE("mysql text value: integers keep 64 bits, BIGINT UNSIGNED is unsigned") {
  CHECK(value("tinyint(4)", "-128") == Value(int64_t{-128}));
  CHECK(value("tinyint(3) unsigned", "255") == Value(int64_t{255}));
  CHECK(value("mediumint(9)", "-8388608") == Value(int64_t{-8388608}));
  CHECK(value("int(10) unsigned", "4294967295") == Value(int64_t{4294967295}));
  CHECK(value("bigint(20)", "-9223372036854775808") == Value(std::numeric_limits<int64_t>::min()));
  CHECK(value("bigint(20) unsigned", "18446744073709551615") ==
        Value(std::numeric_limits<uint64_t>::max()));
  CHECK(value("bigint unsigned", "0") == Value(uint64_t{0}));
  CHECK(select("int(11)") == "`c`");
  CHECK_THROWS_AS(value("int(11)", "12a"), ProtocolError);
  CHECK_THROWS_AS(value("int(11)", ""), ProtocolError);
  CHECK_THROWS_AS(value("tinyint(4)", "99999999999999999999"), ProtocolError);
}

TEST_CASE("mysql text value: YEAR is selected as a number, and 0 stays 0") {
  CHECK(select("year(4)") == "(`c` + 0)");
  CHECK(value("year(4)", "2024") == Value(int64_t{2024}));
  CHECK(value("year(4)", "1901") == Value(int64_t{1901}));
  CHECK(value("year", "0") == Value(int64_t{0}));
}

TEST_CASE("mysql text value: DECIMAL has exactly the column's scale, and no negative zero") {
  CHECK(value("decimal(20,6)", "1.500000") == Value(Decimal{"1.500000"}));
  CHECK(value("decimal(20,6)", "1.5") == Value(Decimal{"1.500000"}));
  CHECK(value("decimal(20,6)", "-0.000001") == Value(Decimal{"-0.000001"}));
  CHECK(value("decimal(20,6)", "-0.000000") == Value(Decimal{"0.000000"}));
  CHECK(value("decimal(20,6)", "0007.250000") == Value(Decimal{"7.250000"}));
  CHECK(value("decimal(20,6)", "98765432109876.543210") == Value(Decimal{"98765432109876.543210"}));
  CHECK(value("decimal(10,0)", "-42") == Value(Decimal{"-42"}));
  CHECK(value("decimal(5,5)", "0.12345") == Value(Decimal{"0.12345"}));
  CHECK(value("decimal(5,2)", "3.1400") == Value(Decimal{"3.14"}));
  // What the server sends is already in this shape and passes as it is; any other shape
  // of the same number gives the same text.
  CHECK(value("decimal(5,2)", "0.00") == Value(Decimal{"0.00"}));
  CHECK(value("decimal(5,2)", "-0.50") == Value(Decimal{"-0.50"}));
  CHECK(value("decimal(5,2)", "-0.00") == Value(Decimal{"0.00"}));
  CHECK(value("decimal(5,2)", "10.00") == Value(Decimal{"10.00"}));
  CHECK(value("decimal(5,2)", "010.00") == Value(Decimal{"10.00"}));
  CHECK(value("decimal(5,2)", "10.0") == Value(Decimal{"10.00"}));
  CHECK(value("decimal(5,0)", "0") == Value(Decimal{"0"}));
  CHECK(value("decimal(5,0)", "-0") == Value(Decimal{"0"}));
  CHECK(value("decimal(5,0)", "-00") == Value(Decimal{"0"}));
  CHECK_THROWS_AS(value("decimal(5,2)", "1.2x"), ProtocolError);
  CHECK_THROWS_AS(value("decimal(5,2)", "-.50"), ProtocolError);
  CHECK_THROWS_AS(value("decimal(5,0)", "-"), ProtocolError);
  CHECK_THROWS_AS(value("decimal(5,2)", "3.145"), ProtocolError);
  CHECK_THROWS_AS(value("decimal(5,2)", ".5"), ProtocolError);
  CHECK_THROWS_AS(value("decimal(5,2)", "1e3"), ProtocolError);
}

TEST_CASE("mysql text value: FLOAT is read exactly and becomes its shortest text's double") {
  // The column's own text is rounded to six digits ("3.14159"); as a DOUBLE the server
  // prints the float's exact value, which the binlog reader shortens the same way.
  CHECK(select("float") == "(`c` + 0E0)");
  CHECK(select("float(7,4)") == "(`c` + 0E0)");
  CHECK(value("float", "3.1415927410125732") == Value(3.1415927));
  CHECK(value("float", "3.1415927410125732") == Value(float_as_double(3.1415927f)));
  CHECK(value("float", "0.10000000149011612") == Value(0.1));
  CHECK(value("float", "16777216") == Value(16777216.0));
  CHECK(value("float", "1.401298464324817e-45") == Value(1e-45));
  CHECK(value("float", "-0.5") == Value(-0.5));
  // Shortest float text as input reads the same.
  CHECK(value("float", "3.14") == Value(3.14));
  CHECK_THROWS_AS(value("float", "pi"), ProtocolError);
}

TEST_CASE("mysql text value: DOUBLE is the double the text denotes") {
  CHECK(select("double") == "(`c` + 0E0)");
  CHECK(select("double(10,3)") == "(`c` + 0E0)");
  CHECK(value("double", "0.30000000000000004") == Value(0.1 + 0.2));
  CHECK(value("double", "1e300") == Value(1e300));
  CHECK(value("double", "-1.7976931348623157e308") == Value(-1.7976931348623157e308));
  CHECK(value("double", "2.2250738585072014e-308") == Value(2.2250738585072014e-308));
  CHECK(value("double", "1.2349999999999999") == Value(1.2349999999999999));
}

TEST_CASE("mysql text value: DATE, and zero dates are NULL") {
  CHECK(value("date", "1970-01-01") == Value(Date{0}));
  CHECK(value("date", "2024-02-29") ==
        Value(Date{static_cast<int32_t>(days_from_civil(2024, 2, 29))}));
  CHECK(value("date", "9999-12-31") == Value(Date{2932896}));
  CHECK(value("date", "1000-01-01") ==
        Value(Date{static_cast<int32_t>(days_from_civil(1000, 1, 1))}));
  CHECK(value("date", "0000-00-00") == Value(Null{}));
  CHECK(value("date", "2024-00-10") == Value(Null{}));
  CHECK(value("date", "2024-05-00") == Value(Null{}));
  CHECK_THROWS_AS(value("date", "2024-2-29"), ProtocolError);
  CHECK_THROWS_AS(value("date", "2024-02-29 00:00:00"), ProtocolError);
}

TEST_CASE("mysql text value: DATETIME is local time, fractions of any length, zero is NULL") {
  const int64_t day = 24 * 3600 * kMicrosPerSecond;
  CHECK(value("datetime(6)", "1970-01-01 00:00:00.000000") == Value(LocalTimestamp{0}));
  CHECK(value("datetime(6)", "1970-01-02 00:00:01.000001") ==
        Value(LocalTimestamp{day + kMicrosPerSecond + 1}));
  CHECK(value("datetime(6)", "2024-02-29 23:59:59.123456") ==
        Value(LocalTimestamp{days_from_civil(2024, 2, 29) * day +
                             (23 * 3600 + 59 * 60 + 59) * kMicrosPerSecond + 123456}));
  CHECK(value("datetime(3)", "1970-01-01 00:00:00.250") == Value(LocalTimestamp{250000}));
  CHECK(value("datetime", "1969-12-31 23:59:59") == Value(LocalTimestamp{-kMicrosPerSecond}));
  CHECK(value("datetime(6)", "0000-00-00 00:00:00.000000") == Value(Null{}));
  CHECK(value("datetime", "2024-00-10 10:00:00") == Value(Null{}));
  CHECK_THROWS_AS(value("datetime", "2024-01-01T00:00:00"), ProtocolError);
  CHECK_THROWS_AS(value("datetime(6)", "2024-01-01 00:00:00.1234567"), ProtocolError);
  CHECK(value("datetime(1)", "1970-01-01 00:00:00.5") == Value(LocalTimestamp{500000}));
  CHECK(value("datetime(5)", "1970-01-01 00:00:01.00001") == Value(LocalTimestamp{1000010}));
  CHECK_THROWS_AS(value("datetime(1)", "1970-01-01 00:00:00."), ProtocolError);
  CHECK_THROWS_AS(value("datetime", "1970-01-01 00:00:0x"), ProtocolError);
  CHECK_THROWS_AS(value("datetime", "1970-01-01 00:0:000"), ProtocolError);
  CHECK_THROWS_AS(value("datetime(2)", "1970-01-01 00:00:00.-1"), ProtocolError);
}

TEST_CASE("mysql text value: TIMESTAMP is printed in UTC, and TIMESTAMP 0 is NULL") {
  CHECK(value("timestamp(3)", "2024-06-01 10:00:00.250") ==
        Value(Timestamp{1717236000 * kMicrosPerSecond + 250000}));
  CHECK(value("timestamp", "2038-01-19 03:14:07") ==
        Value(Timestamp{int64_t{2147483647} * kMicrosPerSecond}));
  CHECK(value("timestamp(3)", "0000-00-00 00:00:00.000") == Value(Null{}));
}

TEST_CASE("mysql text value: TIME may be negative and longer than a day") {
  CHECK(value("time(6)", "13:45:07.250000") ==
        Value(TimeOfDay{(13 * 3600 + 45 * 60 + 7) * kMicrosPerSecond + 250000}));
  CHECK(value("time(6)", "-00:00:01.500000") == Value(TimeOfDay{-1500000}));
  CHECK(value("time", "838:59:59") ==
        Value(TimeOfDay{(838 * 3600 + 59 * 60 + 59) * kMicrosPerSecond}));
  CHECK(value("time", "-838:59:59") ==
        Value(TimeOfDay{-(838 * 3600 + 59 * 60 + 59) * kMicrosPerSecond}));
  CHECK(value("time(6)", "00:00:00.000000") == Value(TimeOfDay{0}));
  CHECK_THROWS_AS(value("time", "1:00"), ProtocolError);
}

TEST_CASE("mysql text value: text of UTF-8 charsets passes, latin1 bytes convert like cp1252") {
  CHECK(select("varchar(40)", "utf8mb4") == "`c`");
  CHECK(value("varchar(40)", "ünïcødé ✓ 😀", "utf8mb4") == Value("ünïcødé ✓ 😀"));
  CHECK(value("char(5)", "ab", "utf8mb3") == Value("ab"));
  CHECK(value("text", "", "utf8mb4") == Value(""));
  CHECK(value("longtext", R"({"b": 1, "a": [1, 2]})", "utf8mb4") ==
        Value(R"({"b": 1, "a": [1, 2]})"));
  // latin1 is selected as its stored bytes and converted as the binlog reader converts.
  CHECK(select("varchar(20)", "latin1") == "CAST(`c` AS BINARY)");
  CHECK(value("varchar(20)", "Zo\xeb \x80", "latin1") == Value("Zoë €"));
  CHECK(value("char(5)", "\xe9", "latin1") == Value("é"));
}

TEST_CASE("mysql text value: other charsets and binary strings are bytes") {
  CHECK(select("varchar(10)", "cp1251") == "CAST(`c` AS BINARY)");
  CHECK(value("varchar(10)", "\xcf\xf0", "cp1251") == Value(cdc::Bytes{"\xcf\xf0"}));
  CHECK(select("blob") == "`c`");
  CHECK(value("blob", std::string("\x00\xff\x10", 3)) ==
        Value(cdc::Bytes{std::string("\x00\xff\x10", 3)}));
  CHECK(value("varbinary(10)", "") == Value(cdc::Bytes{""}));
  CHECK(value("longblob", "\xca\xfe") == Value(cdc::Bytes{"\xca\xfe"}));
}

TEST_CASE("mysql text value: BINARY(n) is padded with zero bytes to n") {
  CHECK(value("binary(4)", std::string("\x01\x02\x00\x00", 4)) ==
        Value(cdc::Bytes{std::string("\x01\x02\x00\x00", 4)}));
  CHECK(value("binary(4)", "\x01\x02") == Value(cdc::Bytes{std::string("\x01\x02\x00\x00", 4)}));
  CHECK(value("binary(4)", "") == Value(cdc::Bytes{std::string(4, '\0')}));
  // VARBINARY keeps its length.
  CHECK(value("varbinary(4)", "\x01") == Value(cdc::Bytes{"\x01"}));
}

TEST_CASE("mysql text value: ENUM is its member, SET an array of members") {
  CHECK(value("enum('small','medium','large')", "medium", "utf8mb4") == Value("medium"));
  CHECK(value("enum('small','medium','large')", "", "utf8mb4") == Value(""));
  CHECK(value("set('red','green','blue')", "red,blue", "utf8mb4") ==
        Value(ValueArray{"red", "blue"}));
  CHECK(value("set('red','green','blue')", "green", "utf8mb4") == Value(ValueArray{"green"}));
  CHECK(value("set('red','green','blue')", "", "utf8mb4") == Value(ValueArray{}));
}

TEST_CASE("mysql text value: BIT is the big-endian number of its bytes") {
  CHECK(select("bit(10)") == "`c`");
  CHECK(value("bit(10)", "\x02\xaa") == Value(uint64_t{0x2aa}));
  CHECK(value("bit(10)", std::string("\x00\x05", 2)) == Value(uint64_t{5}));
  CHECK(value("bit(1)", std::string("\x00", 1)) == Value(uint64_t{0}));
  CHECK(value("bit(64)", std::string(8, '\xff')) == Value(std::numeric_limits<uint64_t>::max()));
  CHECK_THROWS_AS(value("bit(64)", std::string(9, '\x01')), ProtocolError);
}

TEST_CASE("mysql text value: MySQL's JSON loses the whitespace between tokens only") {
  CHECK(value("json", R"({"a": [1, 2.5], "b": "x, y: \"z\" \\"})") ==
        Value(Json{R"({"a":[1,2.5],"b":"x, y: \"z\" \\"})"}));
  CHECK(value("json", "\"scalar\"") == Value(Json{"\"scalar\""}));
  CHECK(value("json", "[\n  1,\n  null\n]") == Value(Json{"[1,null]"}));
}

TEST_CASE("mysql text value: GEOMETRY drops the SRID and keeps the WKB") {
  const std::string wkb("\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f", 13);
  CHECK(select("point") == "`c`");
  CHECK(value("geometry", std::string(4, '\0') + wkb) == Value(cdc::Bytes{wkb}));
  CHECK(value("point", std::string("\xe6\x10\x00\x00", 4) + wkb) == Value(cdc::Bytes{wkb}));
  CHECK_THROWS_AS(value("geometry", "ab"), ProtocolError);
}

TEST_CASE("mysql text value: VECTOR is its little-endian floats") {
  CHECK(value("vector(2)", std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8)) ==
        Value(ValueArray{1.0, -2.0}));
  CHECK_THROWS_AS(value("vector(2)", "abc"), ProtocolError);
}

TEST_CASE("mysql text value: errors name the column and show printable text only") {
  try {
    value("int(11)", "\x01zz");
    FAIL("no error");
  } catch (const ProtocolError& e) {
    CHECK(std::string(e.what()).find("column `c`: \"?zz\" is not an integer") != std::string::npos);
  }
}

}  // namespace cdc::mysql::testing
