// From a TABLE_MAP_EVENT to the TableSchema the rest of the connector sees, and the
// completion of table maps that lack metadata.
//
// With binlog_row_metadata=FULL (MySQL 8.0.1+, MariaDB 10.5+) a table map names its
// columns and carries signedness, charsets, ENUM/SET members and the primary key. With
// MINIMAL it has only types; the rest comes from information_schema.columns (a
// CatalogColumn per column, in ordinal order), read when the table is first seen and
// again after a DDL statement names it. The catalog describes the table as it is now,
// which can be ahead of the binlog position being read; table-map metadata has no such
// gap, so FULL is what `check` recommends.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/mysql/table_map_event.h"
#include "core/table_schema.h"

namespace cdc::mysql {

// One row of information_schema.columns.
struct CatalogColumn {
  std::string name;
  std::string column_type;  // COLUMN_TYPE: "int(10) unsigned", "enum('a','b')"
  std::string charset;      // CHARACTER_SET_NAME; empty for non-text columns
  bool is_key = false;      // COLUMN_KEY = 'PRI'
};

// True when the table map lacks something only the catalog can give: column names,
// signedness of integer columns, ENUM/SET members, charsets of text columns, the
// primary key.
bool needs_catalog(const TableMap& map);

// `map` with what it lacks filled in from `catalog`. Throws SourceError when the
// catalog's column count differs from the map's (the table changed shape since the
// event was written; nothing can be matched safely).
TableMap complete_table_map(const TableMap& map, const std::vector<CatalogColumn>& catalog);

// The members of a COLUMN_TYPE "enum('a','it''s')" or "set('x','y')", unescaped; empty
// for other types.
std::vector<std::string> parse_members(const std::string& column_type);

// How text of a CHARACTER_SET_NAME ("utf8mb4", "latin1", "binary") is decoded; kUnknown
// for an empty name.
TextEncoding encoding_of_charset(const std::string& charset);

// "int unsigned", "varchar", "decimal(12,2)", "datetime(6)", "enum": the type as the
// TableSchema names it.
std::string column_type_name(const ColumnInfo& column);

// TableSchemas by table, one object per shape: the same shape gives the same object,
// a new shape (ALTER TABLE) a new object with a higher version.
class TableShapeCache {
 public:
  struct Lookup {
    std::shared_ptr<const TableSchema> schema;
    // True when this table was seen before with another shape.
    bool changed = false;
  };
  Lookup schema_for(const TableMap& map);

 private:
  struct Entry {
    std::string signature;
    std::shared_ptr<const TableSchema> schema;
  };
  std::map<TableId, Entry> tables_;
  uint64_t next_version_ = 1;
};

}  // namespace cdc::mysql
