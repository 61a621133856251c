// `retainly-cdc scaffold`: a starter mapping file for one table, from the table's columns
// as the source catalog describes them. This part is pure: it turns a described table
// into YAML text, so every rule is testable without a database (scaffold_catalog.h reads
// the description).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/table_schema.h"

namespace cdc::pipeline {

enum class ScaffoldSource { kPostgres, kMysql };
enum class ScaffoldKind { kCustomer, kArray, kEvents };

struct ScaffoldColumn {
  std::string name;
  // PostgreSQL: information_schema's udt_name ("int4", "_text", "timestamptz");
  // MySQL: DATA_TYPE ("int", "varchar"), with COLUMN_TYPE for tinyint(1) and bit(1).
  std::string type;
  std::string column_type;           // MySQL only
  std::optional<int64_t> max_chars;  // declared length of character types
};

struct ScaffoldTable {
  ScaffoldSource source = ScaffoldSource::kPostgres;
  TableId table;
  std::vector<ScaffoldColumn> columns;    // in table order
  std::vector<std::string> primary_key;   // in key order; empty: none
  std::vector<std::string> foreign_keys;  // single-column foreign keys, in table order
  // What old row images carry: PostgreSQL's replica identity ('d', 'f', 'i', 'n') or
  // MySQL's binlog_row_image ("FULL", "MINIMAL", "NOBLOB").
  std::string row_image;
  std::vector<std::string> identity_columns;  // PostgreSQL 'd'/'i': the columns logged
};

struct ScaffoldRequest {
  ScaffoldKind kind = ScaffoldKind::kCustomer;
  // The column holding the Retainly customer id (arrays, events); empty: guessed from a
  // foreign key or a column named customer_id / user_id.
  std::string customer_id;
};

// How one column is sent: a field type, or the reason it cannot be (commented out).
struct ColumnPlan {
  std::string type;    // a mapping field type
  std::string reason;  // non-empty: left out, and why
};
ColumnPlan plan_column(ScaffoldSource source, const ScaffoldColumn& column);

// The mapping file's text. Throws ConfigError when the table has no primary key to use
// as an id, or no customer id column can be found for an array or events.
std::string scaffold_mapping(const ScaffoldTable& table, const ScaffoldRequest& request);

}  // namespace cdc::pipeline
