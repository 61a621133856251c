#include "connectors/mysql/catalog_table_map.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "core/errors.h"

namespace cdc::mysql {
namespace {

struct TypeRule {
  ColumnType type;
  // BLOB/TEXT/JSON/GEOMETRY: bytes of the length prefix; 0 for other types.
  uint32_t prefix_bytes = 0;
  bool binary = false;  // BINARY, VARBINARY and the BLOBs have no charset
};

// COLUMN_TYPE's leading word (DATA_TYPE) to the type a table map gives the column.
const std::map<std::string, TypeRule, std::less<>>& type_rules() {
  static const std::map<std::string, TypeRule, std::less<>> rules = {
      {"tinyint", {ColumnType::kTiny}},
      {"smallint", {ColumnType::kShort}},
      {"mediumint", {ColumnType::kInt24}},
      {"int", {ColumnType::kLong}},
      {"integer", {ColumnType::kLong}},
      {"bigint", {ColumnType::kLongLong}},
      {"float", {ColumnType::kFloat}},
      {"double", {ColumnType::kDouble}},
      {"real", {ColumnType::kDouble}},
      {"decimal", {ColumnType::kNewDecimal}},
      {"numeric", {ColumnType::kNewDecimal}},
      {"year", {ColumnType::kYear}},
      {"date", {ColumnType::kDate}},
      {"time", {ColumnType::kTime2}},
      {"datetime", {ColumnType::kDateTime2}},
      {"timestamp", {ColumnType::kTimestamp2}},
      {"char", {ColumnType::kString}},
      {"varchar", {ColumnType::kVarchar}},
      {"binary", {ColumnType::kString, 0, true}},
      {"varbinary", {ColumnType::kVarchar, 0, true}},
      {"tinytext", {ColumnType::kBlob, 1}},
      {"text", {ColumnType::kBlob, 2}},
      {"mediumtext", {ColumnType::kBlob, 3}},
      {"longtext", {ColumnType::kBlob, 4}},
      {"tinyblob", {ColumnType::kBlob, 1, true}},
      {"blob", {ColumnType::kBlob, 2, true}},
      {"mediumblob", {ColumnType::kBlob, 3, true}},
      {"longblob", {ColumnType::kBlob, 4, true}},
      {"enum", {ColumnType::kEnum}},
      {"set", {ColumnType::kSet}},
      {"bit", {ColumnType::kBit}},
      {"json", {ColumnType::kJson, 4}},
      {"vector", {ColumnType::kVector, 4}},
      {"geometry", {ColumnType::kGeometry, 4}},
      {"point", {ColumnType::kGeometry, 4}},
      {"linestring", {ColumnType::kGeometry, 4}},
      {"polygon", {ColumnType::kGeometry, 4}},
      {"multipoint", {ColumnType::kGeometry, 4}},
      {"multilinestring", {ColumnType::kGeometry, 4}},
      {"multipolygon", {ColumnType::kGeometry, 4}},
      {"geometrycollection", {ColumnType::kGeometry, 4}},
      {"geomcollection", {ColumnType::kGeometry, 4}},
  };
  return rules;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The numbers in "decimal(12,2)", "datetime(6)", "binary(4)"; empty without parentheses.
std::vector<uint32_t> type_arguments(std::string_view type) {
  std::vector<uint32_t> out;
  const size_t open = type.find('(');
  const size_t close = type.find(')', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return out;
  std::string_view args = type.substr(open + 1, close - open - 1);
  while (!args.empty()) {
    const size_t comma = args.find(',');
    const std::string_view part = args.substr(0, comma);
    uint32_t n = 0;
    std::from_chars(part.data(), part.data() + part.size(), n);
    out.push_back(n);
    if (comma == std::string_view::npos) break;
    args.remove_prefix(comma + 1);
  }
  return out;
}

uint32_t argument(const std::vector<uint32_t>& args, size_t i, uint32_t otherwise) {
  return i < args.size() ? args[i] : otherwise;
}

// Bytes an ENUM index or a SET bitmask takes in a row (1-2; 1, 2, 3, 4 or 8).
uint32_t enum_bytes(size_t members) { return members < 256 ? 1 : 2; }
uint32_t set_bytes(size_t members) {
  const auto bytes = static_cast<uint32_t>((members + 7) / 8);
  return bytes <= 4 ? bytes : 8;
}

}  // namespace

ColumnInfo catalog_column_info(const CatalogColumn& column) {
  const std::string type = lower(column.column_type);
  const std::string_view base = std::string_view(type).substr(0, type.find_first_of("( "));
  const auto rule = type_rules().find(base);
  if (rule == type_rules().end()) {
    throw SourceError(fmt::format(
        "column `{}` has type {}, which backfill cannot read as the binlog reader does; "
        "leave the table out of the backfill or change the column's type",
        column.name, column.column_type));
  }
  const std::vector<uint32_t> args =
      rule->second.type == ColumnType::kEnum || rule->second.type == ColumnType::kSet
          ? std::vector<uint32_t>{}
          : type_arguments(type);
  ColumnInfo c;
  c.name = column.name;
  c.type = rule->second.type;
  c.wire_type = c.type;
  switch (c.type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
      c.signedness =
          type.find(" unsigned") != std::string::npos ? Signedness::kUnsigned : Signedness::kSigned;
      break;
    case ColumnType::kNewDecimal:
      c.precision = static_cast<uint8_t>(argument(args, 0, 10));
      c.decimals = static_cast<uint8_t>(argument(args, 1, 0));
      break;
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2:
      c.decimals = static_cast<uint8_t>(argument(args, 0, 0));
      break;
    case ColumnType::kBit:
      c.length = argument(args, 0, 1);
      break;
    case ColumnType::kEnum:
      c.members = parse_members(column.column_type);
      c.length = enum_bytes(c.members.size());
      break;
    case ColumnType::kSet:
      c.members = parse_members(column.column_type);
      c.length = set_bytes(c.members.size());
      break;
    default:
      c.length = rule->second.prefix_bytes;
      break;
  }
  const bool text_like = c.type == ColumnType::kString || c.type == ColumnType::kVarchar ||
                         c.type == ColumnType::kBlob;
  if (text_like || c.type == ColumnType::kEnum || c.type == ColumnType::kSet) {
    c.encoding = rule->second.binary || column.charset.empty()
                     ? TextEncoding::kBinary
                     : encoding_of_charset(column.charset);
  }
  if (rule->second.binary && c.type != ColumnType::kBlob) c.length = argument(args, 0, 1);
  return c;
}

TableMap catalog_table_map(const TableId& table, const std::vector<CatalogColumn>& catalog) {
  TableMap map;
  map.schema = table.schema;
  map.table = table.name;
  map.has_column_names = true;
  map.has_signedness = true;
  map.has_charsets = true;
  map.columns.reserve(catalog.size());
  for (size_t i = 0; i < catalog.size(); ++i) {
    map.columns.push_back(catalog_column_info(catalog[i]));
    if (catalog[i].is_key) map.primary_key.push_back({static_cast<uint32_t>(i), 0});
    if (map.columns.back().type == ColumnType::kJson) ++map.json_column_count;
  }
  return map;
}

}  // namespace cdc::mysql
