#include "connectors/mysql/table_shape.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "connectors/mysql/charset.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

bool is_integer(ColumnType t) {
  switch (t) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
      return true;
    default:
      return false;
  }
}

bool is_text_like(ColumnType t) {
  switch (t) {
    case ColumnType::kString:
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      return true;
    default:
      return false;
  }
}

bool is_enum_or_set(ColumnType t) { return t == ColumnType::kEnum || t == ColumnType::kSet; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const char* base_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::kTiny:
      return "tinyint";
    case ColumnType::kShort:
      return "smallint";
    case ColumnType::kInt24:
      return "mediumint";
    case ColumnType::kLong:
      return "int";
    case ColumnType::kLongLong:
      return "bigint";
    case ColumnType::kFloat:
      return "float";
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kDecimal:
    case ColumnType::kNewDecimal:
      return "decimal";
    case ColumnType::kYear:
      return "year";
    case ColumnType::kDate:
    case ColumnType::kNewDate:
      return "date";
    case ColumnType::kTime:
    case ColumnType::kTime2:
      return "time";
    case ColumnType::kDateTime:
    case ColumnType::kDateTime2:
      return "datetime";
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2:
      return "timestamp";
    case ColumnType::kString:
      return "char";
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
      return "varchar";
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
    case ColumnType::kBlob:
      return "blob";
    case ColumnType::kEnum:
      return "enum";
    case ColumnType::kSet:
      return "set";
    case ColumnType::kBit:
      return "bit";
    case ColumnType::kJson:
      return "json";
    case ColumnType::kGeometry:
      return "geometry";
    case ColumnType::kVector:
      return "vector";
    default:
      return "unknown";
  }
}

std::string signature_of(const TableMap& map) {
  std::string s;
  for (const ColumnInfo& c : map.columns) {
    s += fmt::format("{}:{}:{}:{}:{};", c.name, static_cast<int>(c.type), c.metadata,
                     static_cast<int>(c.signedness), c.members.size());
  }
  for (const auto& part : map.primary_key) s += fmt::format("k{}", part.column);
  return s;
}

}  // namespace

std::vector<std::string> parse_members(const std::string& column_type) {
  std::vector<std::string> members;
  const size_t open = column_type.find('(');
  if (open == std::string::npos) return members;
  size_t i = open + 1;
  while (i < column_type.size() && column_type[i] == '\'') {
    std::string member;
    ++i;
    while (i < column_type.size()) {
      if (column_type[i] == '\'' && i + 1 < column_type.size() && column_type[i + 1] == '\'') {
        member += '\'';
        i += 2;
      } else if (column_type[i] == '\'') {
        ++i;
        break;
      } else if (column_type[i] == '\\' && i + 1 < column_type.size()) {
        member += column_type[i + 1];
        i += 2;
      } else {
        member += column_type[i++];
      }
    }
    members.push_back(std::move(member));
    if (i < column_type.size() && column_type[i] == ',') ++i;
  }
  return members;
}

TextEncoding encoding_of_charset(const std::string& charset) {
  const std::string name = lower(charset);
  if (name.empty()) return TextEncoding::kUnknown;
  if (name == "binary") return TextEncoding::kBinary;
  if (name == "utf8mb4" || name == "utf8mb3" || name == "utf8" || name == "ascii") {
    return TextEncoding::kUtf8;
  }
  if (name == "latin1") return TextEncoding::kLatin1;
  return TextEncoding::kOther;
}

bool needs_catalog(const TableMap& map) {
  if (!map.has_column_names || map.primary_key.empty()) return true;
  for (const ColumnInfo& c : map.columns) {
    if (is_integer(c.type) && c.signedness == Signedness::kUnknown) return true;
    if (is_enum_or_set(c.type) && c.members.empty()) return true;
    if (is_text_like(c.type) && c.encoding == TextEncoding::kUnknown) return true;
  }
  return false;
}

TableMap complete_table_map(const TableMap& map, const std::vector<CatalogColumn>& catalog) {
  if (catalog.size() != map.columns.size()) {
    // MySQL 8.0.30+ hides a generated invisible primary key (my_row_id, the first column)
    // from information_schema when show_gipk_in_create_table_and_information_schema=OFF,
    // while the binlog still carries it.
    const bool hidden_gipk = catalog.size() + 1 == map.columns.size();
    throw SourceError(fmt::format(
        "table `{}`.`{}` has {} columns in the binlog but {} in information_schema: its shape "
        "changed since the event was written{}. Set binlog_row_metadata=FULL on the server so "
        "the binlog carries the column names",
        map.schema, map.table, map.columns.size(), catalog.size(),
        hidden_gipk ? ", or (MySQL 8.0.30+) it has a generated invisible primary key that "
                      "show_gipk_in_create_table_and_information_schema=OFF hides (SET PERSIST "
                      "it ON: the events already written become readable)"
                    : ""));
  }
  TableMap out = map;
  for (size_t i = 0; i < catalog.size(); ++i) {
    ColumnInfo& c = out.columns[i];
    const CatalogColumn& cat = catalog[i];
    const std::string type = lower(cat.column_type);
    if (!map.has_column_names) c.name = cat.name;
    if (is_integer(c.type) && c.signedness == Signedness::kUnknown) {
      c.signedness =
          type.find("unsigned") != std::string::npos ? Signedness::kUnsigned : Signedness::kSigned;
    }
    if (is_enum_or_set(c.type) && c.members.empty()) c.members = parse_members(cat.column_type);
    if (is_text_like(c.type) && c.encoding == TextEncoding::kUnknown) {
      c.encoding = encoding_of_charset(cat.charset.empty() ? "binary" : cat.charset);
    }
  }
  out.has_column_names = true;
  if (out.primary_key.empty()) {
    for (size_t i = 0; i < catalog.size(); ++i) {
      if (catalog[i].is_key) out.primary_key.push_back({static_cast<uint32_t>(i), 0});
    }
  }
  return out;
}

std::string column_type_name(const ColumnInfo& column) {
  std::string name = base_type_name(column.type);
  switch (column.type) {
    case ColumnType::kNewDecimal:
      return fmt::format("decimal({},{})", column.precision, column.decimals);
    case ColumnType::kTime2:
    case ColumnType::kDateTime2:
    case ColumnType::kTimestamp2:
      return column.decimals == 0 ? name : fmt::format("{}({})", name, column.decimals);
    default:
      break;
  }
  if (is_integer(column.type) && column.signedness == Signedness::kUnsigned) name += " unsigned";
  if (is_text_like(column.type) && column.encoding != TextEncoding::kBinary &&
      column.encoding != TextEncoding::kUnknown) {
    if (name == "blob") name = "text";
  }
  return name;
}

TableShapeCache::Lookup TableShapeCache::schema_for(const TableMap& map) {
  TableId id{map.schema, map.table};
  std::string signature = signature_of(map);
  auto it = tables_.find(id);
  if (it != tables_.end() && it->second.signature == signature) return {it->second.schema, false};
  auto schema = std::make_shared<TableSchema>();
  schema->id = id;
  schema->version = next_version_++;
  schema->columns.reserve(map.columns.size());
  for (size_t i = 0; i < map.columns.size(); ++i) {
    const ColumnInfo& c = map.columns[i];
    Column column;
    column.name = c.name.empty() ? fmt::format("col{}", i + 1) : c.name;
    column.type_name = column_type_name(c);
    column.is_key = std::any_of(map.primary_key.begin(), map.primary_key.end(),
                                [i](const TableMap::KeyPart& k) { return k.column == i; });
    schema->columns.push_back(std::move(column));
  }
  const bool changed = it != tables_.end();
  tables_[id] = Entry{std::move(signature), schema};
  return {std::move(schema), changed};
}

}  // namespace cdc::mysql
