// One column value of a row image -> cdc::Value. The conversions, per column type:
//   TINY/SHORT/INT24/LONG -> int64_t (unsigned when the table map says so)
//   LONGLONG -> int64_t, or uint64_t when unsigned. Without SIGNEDNESS metadata
//     (binlog_row_metadata=MINIMAL on old servers) integers are read as signed.
//   NEWDECIMAL -> Decimal with exactly `scale` fraction digits ("-1234.5600")
//   FLOAT/DOUBLE -> double;  YEAR -> int64_t (0 stays 0, else 1900 + n)
//   DATE -> Date;  DATETIME/DATETIME2 -> LocalTimestamp;  TIMESTAMP/TIMESTAMP2 ->
//     Timestamp;  TIME/TIME2 -> TimeOfDay (negative and > 24h allowed). MySQL's zero
//     values ('0000-00-00', a zero month or day, TIMESTAMP 0) are not instants: Null.
//   CHAR/VARCHAR/BLOB/TEXT -> std::string in UTF-8 for text charsets (latin1 is
//     converted), Bytes for binary (charset 63) and for charsets other than
//     latin1/utf8/ascii. Without charset metadata: CHAR/VARCHAR are taken as UTF-8
//     text, BLOB/TEXT as Bytes.
//   ENUM -> the member string ("" for index 0); SET -> ValueArray of member strings.
//     Without ENUM/SET strings in the metadata: ENUM -> int64_t index, SET -> uint64_t
//     bitmask.
//   BIT -> uint64_t;  JSON -> Json (binary JSON as compact text);  GEOMETRY -> Bytes of
//     the WKB (MySQL's 4-byte SRID prefix is dropped);  VECTOR -> ValueArray of double.
// MariaDB's compressed columns, the pre-5.0 DECIMAL and typed arrays throw
// ProtocolError naming the type.
#pragma once

#include "connectors/mysql/byte_reader.h"
#include "connectors/mysql/table_map_event.h"
#include "core/value.h"

namespace cdc::mysql {

// Reads the non-NULL value of `column` at the reader's position.
Value read_column_value(ByteReader& r, const ColumnInfo& column);

// read_column_value() into `out`: text kept as it is (UTF-8 text columns) and a decimal's
// text go into the string `out` holds, if it holds one of that kind, so that a recycled
// row keeps its buffers.
void read_column_value_into(ByteReader& r, const ColumnInfo& column, Value& out);

// A FLOAT as the double its shortest decimal form denotes: 3.14f becomes 3.14, not
// 3.140000104904175, so the value equals what PostgreSQL's real sends as text and what
// MySQL itself prints.
double float_as_double(float f);

// Reads the length prefix of a BLOB-like value (1-4 bytes, as the metadata says) and
// returns the bytes it covers.
Bytes read_length_prefixed(ByteReader& r, uint32_t prefix_bytes, const char* field);

}  // namespace cdc::mysql
