// A column value as a text-protocol query returns it -> cdc::Value: the same Value the
// binlog reader (column_value_decoder.h) gives for the same stored value, so a row makes
// the same calls whether backfill read it or the binlog brought it. Pure.
//
// The query selects each column as mysql_text_select() says, on a utf8mb4 connection
// whose time_zone is '+00:00' (MysqlConnection does both). The text is then, per type of
// the ColumnInfo (catalog_table_map.h):
//   TINYINT..BIGINT: digits -> int64_t; BIGINT UNSIGNED -> uint64_t
//   YEAR: selected as col + 0 (4 digits even for YEAR(2); 0 stays 0) -> int64_t
//   DECIMAL(p,s): the server's text -> Decimal with exactly s fraction digits, no "-0"
//   FLOAT, DOUBLE: selected as col + 0E0: as a column the server prints FLOAT with six
//     significant digits and FLOAT(m,d)/DOUBLE(m,d) with d decimals, losing bits; as a
//     DOUBLE expression it prints the shortest text of the exact value (CAST AS DOUBLE
//     would too, but needs MySQL 8.0.17). -> double; FLOAT goes through float and its
//     shortest text, as the binlog reader does (3.14f -> 3.14)
//   DATE "2024-02-29" -> Date; DATETIME "2024-02-29 13:14:15.123456" -> LocalTimestamp;
//     TIMESTAMP (printed in UTC) -> Timestamp; zero dates ('0000-00-00', a zero month
//     or day) and TIMESTAMP 0 -> Null
//   TIME "-838:59:59.500000" -> TimeOfDay (negative and over 24 hours allowed)
//   CHAR/VARCHAR/TEXT: utf8mb3/utf8mb4/ascii as the connection gets them -> std::string;
//     latin1 selected CAST(col AS BINARY) (the stored cp1252 bytes) and converted as the
//     binlog reader converts -> std::string; other charsets selected the same way and
//     kept as the binlog reader keeps them -> Bytes
//   BINARY/VARBINARY/BLOB -> Bytes; BINARY(n) padded with zero bytes to n
//   ENUM: the member ("" for the empty value); SET: "a,c" -> ValueArray {"a", "c"}, ""
//     -> empty array
//   BIT(n): the big-endian bytes the server sends -> uint64_t
//   JSON (MySQL's own type; MariaDB's JSON is LONGTEXT): the server's text without the
//     whitespace outside strings -> Json
//   GEOMETRY: the stored value; its 4-byte SRID prefix is dropped -> Bytes of the WKB
//   VECTOR: little-endian 32-bit floats -> ValueArray of double
// NULL never reaches these functions: the reader makes it Null.
#pragma once

#include <string>
#include <string_view>

#include "connectors/mysql/table_map_event.h"
#include "core/value.h"

namespace cdc::mysql {

// The select-list expression for `column`, whose quoted identifier is `quoted_name`.
std::string mysql_text_select(const ColumnInfo& column, std::string_view quoted_name);

// The Value of `text`, selected as mysql_text_select() says. Throws ProtocolError naming
// the column when the text is not what the server prints for its type, SourceError for a
// type it cannot convert.
Value mysql_text_value(const ColumnInfo& column, std::string_view text);

}  // namespace cdc::mysql
