// The table map a binlog with binlog_row_metadata=FULL would carry for a table, built
// from information_schema alone. It lets a reader of current rows (backfill) describe a
// table exactly as the binlog reader does: TableShapeCache turns it into the same
// TableSchema (column names, type names, key columns), and its ColumnInfos say how each
// column's values convert (mysql_text_value.h).
#pragma once

#include <vector>

#include "connectors/mysql/table_map_event.h"
#include "connectors/mysql/table_shape.h"
#include "core/table_schema.h"

namespace cdc::mysql {

// The ColumnInfo of one catalog column, from its COLUMN_TYPE and CHARACTER_SET_NAME:
//   type as the table map resolves it (ENUM and SET as such; TEXT and BLOB of any size as
//     kBlob; DATE kDate; TIME/DATETIME/TIMESTAMP in their fractional forms kTime2,
//     kDateTime2, kTimestamp2; every spatial type kGeometry; MariaDB's JSON is LONGTEXT);
//   signedness of integers; precision and scale of DECIMAL; fractional-second digits
//     (`decimals`) of TIME, DATETIME and TIMESTAMP;
//   length: BINARY(n) and VARBINARY(n) n bytes, BIT(n) n bits, the length-prefix bytes of
//     BLOB/TEXT (1-4), the stored bytes of ENUM/SET; 0 for CHAR/VARCHAR of a text charset;
//   encoding of text-like columns (a missing charset is binary); members of ENUM/SET.
// Throws SourceError naming the column for a type not listed here (MariaDB's UUID, INET4
// and INET6, whose binlog form is the server's internal byte order, among others).
ColumnInfo catalog_column_info(const CatalogColumn& column);

// The table map of `table` whose columns are `catalog` (information_schema.COLUMNS in
// ordinal order): names, ColumnInfos as above and the primary key's columns (those with
// is_key). Throws SourceError as catalog_column_info does.
TableMap catalog_table_map(const TableId& table, const std::vector<CatalogColumn>& catalog);

}  // namespace cdc::mysql
