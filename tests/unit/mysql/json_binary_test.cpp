// MySQL binary JSON, every node type, built from the layout in json_binary.h.
#include <doctest/doctest.h>

#include "connectors/mysql/json_binary.h"
#include "core/errors.h"
#include "event_builder.h"

namespace cdc::mysql::testing {
namespace {

std::string text_of(const ByteWriter& doc) { return json_binary_to_text(doc.view()); }
std::string text_of_hex(const char* hex) { return text_of(ByteWriter().hex(hex)); }

// `depth` small arrays, each holding the next; the innermost is empty.
ByteWriter nested_arrays(int depth) {
  std::vector<std::byte> inner = ByteWriter().hex("02 0000 0400").bytes();
  for (int i = 1; i < depth; ++i) {
    // Without its type byte the child sits at offset 7: count, size, one entry.
    const Bytes child = Bytes(inner).subspan(1);
    ByteWriter level;
    level.u8(0x02).u16(1).u16(7 + child.size()).u8(0x02).u16(7).raw(child);
    inner = level.bytes();
  }
  ByteWriter doc;
  doc.raw(inner);
  return doc;
}

}  // namespace

TEST_CASE("json binary: literals and integers of every width") {
  CHECK(text_of_hex("04 00") == "null");
  CHECK(text_of_hex("04 01") == "true");
  CHECK(text_of_hex("04 02") == "false");
  CHECK(text_of_hex("05 ff ff") == "-1");
  CHECK(text_of_hex("06 ff ff") == "65535");
  CHECK(text_of_hex("07 00 00 00 80") == "-2147483648");
  CHECK(text_of_hex("08 ff ff ff ff") == "4294967295");
  CHECK(text_of_hex("09 00 00 00 00 00 00 00 80") == "-9223372036854775808");
  CHECK(text_of_hex("0a ff ff ff ff ff ff ff ff") == "18446744073709551615");
}

TEST_CASE("json binary: doubles print shortest round-trip and stay visibly doubles") {
  CHECK(text_of(ByteWriter().u8(0x0b).u64(0x3ff8000000000000ULL)) == "1.5");
  CHECK(text_of(ByteWriter().u8(0x0b).u64(0x4008000000000000ULL)) == "3.0");
  CHECK(text_of(ByteWriter().u8(0x0b).u64(0x3fb999999999999aULL)) == "0.1");
  CHECK(text_of(ByteWriter().u8(0x0b).u64(0x7e37e43c8800759cULL)) == "1e+300");
  CHECK_THROWS_AS(text_of(ByteWriter().u8(0x0b).u64(0x7ff8000000000000ULL)), ProtocolError);
}

TEST_CASE("json binary: strings are escaped; lengths above 127 take two bytes") {
  CHECK(text_of_hex("0c 05 68 65 6c 6c 6f") == "\"hello\"");
  CHECK(text_of(ByteWriter().u8(0x0c).u8(9).str("a\"b\\c\n\x01\t/")) == R"("a\"b\\c\n\u0001\t/")");
  const std::string long_text(200, 'x');
  CHECK(text_of(ByteWriter().u8(0x0c).hex("c8 01").str(long_text)) == "\"" + long_text + "\"");
}

TEST_CASE("json binary: a small object with inlined and offset values") {
  CHECK(text_of_hex("00 0200 1700  1200 0100  1300 0200  05 0100  0c 1500  61 62 62  01 78") ==
        R"({"a":1,"bb":"x"})");
}

TEST_CASE("json binary: a large array holding a string and a nested small array") {
  CHECK(text_of_hex("03 03000000 20000000  05 01000000  0c 17000000  02 19000000  01 78 "
                    " 0100 0700 04 0100") == R"([1,"x",[true]])");
}

TEST_CASE("json binary: large containers inline 32-bit integers") {
  CHECK(text_of_hex("01 01000000 14000000  13000000 0100  07 fbffffff  6b") == R"({"k":-5})");
}

TEST_CASE("json binary: opaque decimals, dates and times print as MySQL does") {
  CHECK(text_of_hex("0f f6 04 04 02 7f cd") == "-0.50");
  CHECK(text_of_hex("0f 0a 08 00 00 00 00 00 e4 8b 19") == "\"2012-03-18\"");
  CHECK(text_of_hex("0f 0c 08 00 00 00 ad b7 e4 8b 19") == "\"2012-03-18 11:30:45.000000\"");
  CHECK(text_of_hex("0f 07 08 00 00 00 ad b7 e4 8b 19") == "\"2012-03-18 11:30:45.000000\"");
  CHECK(text_of_hex("0f 0b 08 f1 fb 09 ee 77 05 00 00") == "\"87:31:46.654321\"");
  CHECK(text_of_hex("0f fc 02 41 42") == "\"base64:type252:QUI=\"");
  CHECK(text_of_hex("0f fc 03 41 42 43") == "\"base64:type252:QUJD\"");
}

TEST_CASE("json binary: an empty value is the JSON null") {
  CHECK(json_binary_to_text(Bytes{}) == "null");
}

TEST_CASE("json binary: malformed documents are protocol errors") {
  CHECK_THROWS_AS(text_of_hex("0d 00"), ProtocolError);                    // unknown type
  CHECK_THROWS_AS(text_of_hex("0c 05 68 65"), ProtocolError);              // cut string
  CHECK_THROWS_AS(text_of_hex("04 07"), ProtocolError);                    // bad literal
  CHECK_THROWS_AS(text_of_hex("00 0200 0600  0000 0100"), ProtocolError);  // entries overflow
  CHECK_THROWS_AS(text_of_hex("02 0100 0700 0c ff00"), ProtocolError);     // offset overflow
}

TEST_CASE("json binary: depth is limited, so self-references and deep nesting end") {
  CHECK(text_of(nested_arrays(3)) == "[[[]]]");
  CHECK(text_of(nested_arrays(100)) == std::string(100, '[') + std::string(100, ']'));
  CHECK_THROWS_AS(text_of(nested_arrays(200)), ProtocolError);
  CHECK_THROWS_AS(text_of_hex("02 0100 0700 02 0000"), ProtocolError);  // points at itself
}

}  // namespace cdc::mysql::testing
