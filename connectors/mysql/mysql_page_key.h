// How keyset pages of a MySQL/MariaDB table follow its primary key: what each key column
// is selected as (a row's key as text: what last_key() holds and a backfill checkpoint
// stores as JSON), the SQL literal that text becomes, and the condition "after this key".
// Pure.
//
// Key text must be valid UTF-8 and, as a literal, compare in the order of the index:
//   integers, DECIMAL, YEAR, FLOAT, DOUBLE: the number, unquoted (a quoted number
//     against an integer column is compared as a double, inexact past 2^53); FLOAT and
//     DOUBLE selected as col + 0E0, the column's own text being rounded
//   ENUM, SET, BIT: col + 0, the number the index orders by, unquoted (against a quoted
//     string an ENUM compares its member text, which is not index order)
//   BINARY, VARBINARY, BLOB, GEOMETRY: HEX(col), as X'...'
//   text and temporal types: the column's text on the utf8mb4, UTC connection, quoted
//
// The condition is `k1 > v1 OR (k1 = v1 AND k2 > v2) OR ...` rather than the row
// comparison `(k1, k2) > (v1, v2)`: MariaDB 10.11 does not turn a row comparison into an
// index range and would scan the index from its start for every page.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mysql/table_map_event.h"

namespace cdc::mysql {

enum class KeyLiteral { kQuoted, kNumber, kHex };

struct PageKeyColumn {
  std::string quoted_name;  // `id`
  std::string select;       // the select-list expression giving the key text
  KeyLiteral literal = KeyLiteral::kQuoted;
};

// `name` as a MySQL identifier: in backticks, backticks doubled.
std::string quote_identifier(std::string_view name);

PageKeyColumn page_key_column(const ColumnInfo& column);

// Quotes a string as an SQL literal (MysqlConnection::quote).
using QuoteFn = std::function<std::string(std::string_view)>;

// The literal of key text `text` (a last_key() part). Throws SourceError when the text
// cannot be a key of that column (a checkpoint from another table shape, or edited).
std::string key_literal(const PageKeyColumn& column, std::string_view text, const QuoteFn& quote);

// The condition "after the key whose literals are `literals`", one per key column.
// REQUIRES: literals.size() == key.size() > 0.
std::string after_key_condition(const std::vector<PageKeyColumn>& key,
                                const std::vector<std::string>& literals);

}  // namespace cdc::mysql
