// Rows of COPY ... TO STDOUT (text format) split into fields, as the backfill reads them.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "connectors/postgres/pg_copy_row.h"

namespace cdc::pg {
namespace {

using namespace std::string_view_literals;

TEST_CASE("pg copy row: fields split on tabs, the final newline dropped") {
  PgCopyRow row;
  REQUIRE(row.split("1\titem 1\t42\n", 3));
  CHECK(row.field(0) == "1"sv);
  CHECK(row.field(1) == "item 1"sv);
  CHECK(row.field(2) == "42"sv);
}

TEST_CASE("pg copy row: \\N alone is NULL, but an empty field and the text \\\\N are not") {
  PgCopyRow row;
  REQUIRE(row.split("\\N\t\t\\\\N\n", 3));
  CHECK(row.field(0) == std::nullopt);
  CHECK(row.field(1) == ""sv);
  CHECK(row.field(2) == "\\N"sv);
}

TEST_CASE("pg copy row: escapes COPY TO writes become their characters") {
  PgCopyRow row;
  REQUIRE(row.split("a\\tb\\nc\\\\d\\re\\bf\\fg\\vh\n", 1));
  CHECK(row.field(0) == "a\tb\nc\\d\re\bf\fg\vh"sv);
}

TEST_CASE("pg copy row: octal and hex escapes are bytes; another escaped character is itself") {
  PgCopyRow row;
  REQUIRE(row.split("\\101\\7x\\x41\\x4g\\q\\xz\n", 1));
  CHECK(row.field(0) == "A\x07xA\x04gqxz"sv);
}

TEST_CASE("pg copy row: an escaped field stays valid beside the fields after it") {
  PgCopyRow row;
  REQUIRE(row.split("a\\tb\tplain\tc\\\\d", 3));
  CHECK(row.field(0) == "a\tb"sv);
  CHECK(row.field(1) == "plain"sv);
  CHECK(row.field(2) == "c\\d"sv);
  // The next row reuses the buffers.
  REQUIRE(row.split("x\ty\\nz\t\\N", 3));
  CHECK(row.field(0) == "x"sv);
  CHECK(row.field(1) == "y\nz"sv);
  CHECK(row.field(2) == std::nullopt);
  // A row without a backslash after them: its own text, no NULL.
  REQUIRE(row.split("p\tN\t\n", 3));
  CHECK(row.field(0) == "p"sv);
  CHECK(row.field(1) == "N"sv);
  CHECK(row.field(2) == ""sv);
}

TEST_CASE("pg copy row: another number of fields or a lone final backslash is refused") {
  PgCopyRow row;
  CHECK_FALSE(row.split("1\t2\n", 3));
  CHECK_FALSE(row.split("1\t2\t3\t4\n", 3));
  CHECK_FALSE(row.split("1\t2\\\n", 2));
  CHECK(row.split("\n", 1));
  CHECK(row.field(0) == ""sv);
}

}  // namespace
}  // namespace cdc::pg
