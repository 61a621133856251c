// information_schema columns -> the table map a FULL-metadata binlog carries, and through
// TableShapeCache the same TableSchema the binlog reader shows the mapping
// (connectors/mysql/catalog_table_map.h).
#include <doctest/doctest.h>

#include "connectors/mysql/catalog_table_map.h"
#include "core/errors.h"

namespace cdc::mysql::testing {
namespace {

std::string type_name(const std::string& column_type, const std::string& charset = "") {
  const TableMap map = catalog_table_map({"db", "t"}, {{"c", column_type, charset, false}});
  return TableShapeCache().schema_for(map).schema->columns.at(0).type_name;
}

}  // namespace

TEST_CASE("catalog table map: type names are the binlog reader's") {
  CHECK(type_name("tinyint(4)") == "tinyint");
  CHECK(type_name("tinyint(3) unsigned") == "tinyint unsigned");
  CHECK(type_name("smallint(5) unsigned zerofill") == "smallint unsigned");
  CHECK(type_name("mediumint(9)") == "mediumint");
  CHECK(type_name("int(11)") == "int");
  CHECK(type_name("int unsigned") == "int unsigned");
  CHECK(type_name("bigint(20) unsigned") == "bigint unsigned");
  CHECK(type_name("decimal(20,6)") == "decimal(20,6)");
  CHECK(type_name("decimal(10,0)") == "decimal(10,0)");
  CHECK(type_name("float") == "float");
  CHECK(type_name("float(7,4)") == "float");
  CHECK(type_name("double") == "double");
  CHECK(type_name("date") == "date");
  CHECK(type_name("datetime(6)") == "datetime(6)");
  CHECK(type_name("datetime") == "datetime");
  CHECK(type_name("timestamp(3)") == "timestamp(3)");
  CHECK(type_name("time(6)") == "time(6)");
  CHECK(type_name("year(4)") == "year");
  CHECK(type_name("char(5)", "utf8mb4") == "char");
  CHECK(type_name("binary(4)") == "char");
  CHECK(type_name("varchar(40)", "latin1") == "varchar");
  CHECK(type_name("varbinary(10)") == "varchar");
  CHECK(type_name("text", "utf8mb4") == "text");
  CHECK(type_name("longtext", "utf8mb4") == "text");  // MariaDB's JSON
  CHECK(type_name("blob") == "blob");
  CHECK(type_name("tinyblob") == "blob");
  CHECK(type_name("enum('a','b')", "utf8mb4") == "enum");
  CHECK(type_name("set('a','b')", "utf8mb4") == "set");
  CHECK(type_name("bit(10)") == "bit");
  CHECK(type_name("json") == "json");
  CHECK(type_name("geometry") == "geometry");
  CHECK(type_name("polygon") == "geometry");
}

TEST_CASE("catalog table map: column details the values convert by") {
  const auto decimal = catalog_column_info({"d", "decimal(12,2)", "", false});
  CHECK(decimal.type == ColumnType::kNewDecimal);
  CHECK(decimal.precision == 12);
  CHECK(decimal.decimals == 2);
  CHECK(catalog_column_info({"t", "time(6)", "", false}).decimals == 6);
  CHECK(catalog_column_info({"t", "timestamp", "", false}).decimals == 0);
  CHECK(catalog_column_info({"b", "binary(16)", "", false}).length == 16);
  CHECK(catalog_column_info({"b", "binary(16)", "", false}).encoding == TextEncoding::kBinary);
  CHECK(catalog_column_info({"b", "bit(10)", "", false}).length == 10);
  CHECK(catalog_column_info({"b", "bit", "", false}).length == 1);
  CHECK(catalog_column_info({"v", "varchar(9)", "latin1", false}).encoding ==
        TextEncoding::kLatin1);
  CHECK(catalog_column_info({"v", "varchar(9)", "cp1251", false}).encoding == TextEncoding::kOther);
  CHECK(catalog_column_info({"v", "varbinary(9)", "", false}).encoding == TextEncoding::kBinary);
  CHECK(catalog_column_info({"x", "mediumtext", "utf8mb3", false}).encoding == TextEncoding::kUtf8);
  const auto members = catalog_column_info({"e", "enum('a','it''s','x,y')", "utf8mb4", false});
  CHECK(members.members == std::vector<std::string>{"a", "it's", "x,y"});
  CHECK(members.length == 1);
  CHECK(catalog_column_info({"s", "set('a','b','c','d','e','f','g','h','i')", "utf8mb4", false})
            .length == 2);
}

TEST_CASE("catalog table map: names, order and primary key columns") {
  const TableMap map = catalog_table_map({"shop", "orders"}, {{"tenant", "int(11)", "", true},
                                                              {"note", "text", "utf8mb4", false},
                                                              {"id", "bigint(20)", "", true}});
  const auto schema = TableShapeCache().schema_for(map).schema;
  CHECK(schema->id == TableId{"shop", "orders"});
  REQUIRE(schema->columns.size() == 3);
  CHECK(schema->columns[0].name == "tenant");
  CHECK(schema->columns[0].is_key);
  CHECK(schema->columns[1].name == "note");
  CHECK_FALSE(schema->columns[1].is_key);
  CHECK(schema->columns[2].name == "id");
  CHECK(schema->columns[2].is_key);
}

TEST_CASE("catalog table map: a type backfill cannot read is refused, naming the column") {
  try {
    catalog_column_info({"token", "uuid", "", false});
    FAIL("no error");
  } catch (const SourceError& e) {
    CHECK(std::string(e.what()).find("column `token` has type uuid") != std::string::npos);
  }
  CHECK_THROWS_AS(catalog_table_map({"db", "t"}, {{"ip", "inet6", "", false}}), SourceError);
}

}  // namespace cdc::mysql::testing
