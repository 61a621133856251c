// Keyset pages over a MySQL primary key: key text that survives a checkpoint, literals
// that compare in index order, and a condition MariaDB can use as an index range
// (connectors/mysql/mysql_page_key.h).
#include <doctest/doctest.h>

#include "connectors/mysql/catalog_table_map.h"
#include "connectors/mysql/mysql_page_key.h"
#include "core/errors.h"

namespace cdc::mysql::testing {
namespace {

PageKeyColumn key(const std::string& name, const std::string& column_type,
                  const std::string& charset = "") {
  return page_key_column(catalog_column_info({name, column_type, charset, true}));
}

// A stand-in for MysqlConnection::quote that shows it was called.
std::string fake_quote(std::string_view text) { return "Q(" + std::string(text) + ")"; }

}  // namespace

TEST_CASE("mysql page key: identifiers are backquoted with backquotes doubled") {
  CHECK(quote_identifier("id") == "`id`");
  CHECK(quote_identifier("we`ird") == "`we``ird`");
}

TEST_CASE("mysql page key: each type's key text and literal") {
  const auto id = key("id", "bigint(20) unsigned");
  CHECK(id.select == "`id`");
  CHECK(key_literal(id, "18446744073709551615", fake_quote) == "18446744073709551615");

  const auto amount = key("amount", "decimal(10,2)");
  CHECK(key_literal(amount, "-12.50", fake_quote) == "-12.50");

  const auto ratio = key("ratio", "float");
  CHECK(ratio.select == "(`ratio` + 0E0)");
  CHECK(key_literal(ratio, "3.1415927410125732", fake_quote) == "3.1415927410125732");
  CHECK(key_literal(ratio, "1e300", fake_quote) == "1e300");

  for (const char* type : {"enum('b','a')", "set('x','y')", "bit(8)", "year(4)"}) {
    CAPTURE(type);
    const auto k = key("k", type, "utf8mb4");
    CHECK(k.select == "(`k` + 0)");
    CHECK(key_literal(k, "2", fake_quote) == "2");
  }

  for (const char* type : {"binary(16)", "varbinary(10)", "blob"}) {
    CAPTURE(type);
    const auto k = key("k", type);
    CHECK(k.select == "HEX(`k`)");
    CHECK(key_literal(k, "00FFab", fake_quote) == "X'00FFab'");
    CHECK(key_literal(k, "", fake_quote) == "X''");
  }

  const auto name = key("name", "varchar(20)", "latin1");
  CHECK(name.select == "`name`");
  CHECK(key_literal(name, "it's", fake_quote) == "Q(it's)");
  const auto at = key("at", "datetime(6)");
  CHECK(key_literal(at, "2024-01-01 00:00:00.500000", fake_quote) ==
        "Q(2024-01-01 00:00:00.500000)");
}

TEST_CASE("mysql page key: text that cannot be a key of the column is refused") {
  const auto id = key("id", "int(11)");
  CHECK_THROWS_AS(key_literal(id, "1; DROP TABLE t", fake_quote), SourceError);
  CHECK_THROWS_AS(key_literal(id, "", fake_quote), SourceError);
  CHECK_THROWS_AS(key_literal(id, "inf", fake_quote), SourceError);
  const auto bytes = key("b", "varbinary(4)");
  CHECK_THROWS_AS(key_literal(bytes, "0G", fake_quote), SourceError);
  CHECK_THROWS_AS(key_literal(bytes, "abc", fake_quote), SourceError);
  CHECK_THROWS_AS(key_literal(bytes, "00' OR 1=1 --", fake_quote), SourceError);
}

TEST_CASE("mysql page key: after a key is an OR of ranges, one per key prefix") {
  CHECK(after_key_condition({key("id", "int(11)")}, {"42"}) == "(`id` > 42)");
  CHECK(after_key_condition(
            {key("a", "int(11)"), key("b", "varchar(9)", "utf8mb4"), key("c", "int(11)")},
            {"1", "'x'", "3"}) ==
        "(`a` > 1) OR (`a` = 1 AND `b` > 'x') OR (`a` = 1 AND `b` = 'x' AND `c` > 3)");
}

}  // namespace cdc::mysql::testing
