// What a reader knows about a table: its qualified name and its columns in order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cdc {

// "schema.table". For MySQL the schema is the database name.
struct TableId {
  std::string schema;
  std::string name;

  std::string qualified() const { return schema + "." + name; }
  friend bool operator==(const TableId&, const TableId&) = default;
  friend auto operator<=>(const TableId&, const TableId&) = default;
};

struct Column {
  std::string name;
  // The source's type name as the server spells it ("int4", "varchar", "datetime(6)").
  std::string type_name;
  // Part of the primary key / replica identity.
  bool is_key = false;
};

// A table's shape at one point in the stream. Readers replace the whole object when the
// shape changes (a new version), so a RowChange always matches the schema it points to.
struct TableSchema {
  TableId id;
  std::vector<Column> columns;
  // Incremented each time the reader sees a new shape of this table; lets consumers
  // cache per-schema work (column index resolution) and notice changes cheaply.
  uint64_t version = 0;

  // Index of the column named `name`, or -1.
  int column_index(std::string_view name) const;
};

}  // namespace cdc
