// TABLE_MAP_EVENT (19): binds a table id to a table's shape before its rows events.
// Layout (MySQL libs/mysql/binlog/event/rows_event.h, Table_map_event):
//   post-header: table_id(6; 4 when the FDE says the post-header is 6) flags(2)
//   body: schema_length(1) schema NUL table_length(1) table NUL column_count(packed)
//         column_type[column_count] metadata_length(packed) metadata
//         null_bits[(column_count + 7) / 8]   (LSB first)
//         optional metadata TLVs: type(1) length(packed) value
// Per-type metadata: FLOAT/DOUBLE/BLOB/JSON/GEOMETRY/VECTOR/TIME2/DATETIME2/
// TIMESTAMP2 one byte; VARCHAR two (LE max length); BIT two (bits % 8, bytes);
// NEWDECIMAL two (precision, scale); STRING two (real type, length; a CHAR longer than
// 255 bytes folds length bits 8-9 into the real-type byte, MySQL bug #37426); others
// none. Optional metadata (binlog_row_metadata, MySQL 8.0.1+ / MariaDB 10.5+) adds
// signedness, charsets, names, ENUM/SET strings, geometry types, the primary key and
// column visibility; which columns each list covers differs slightly between MySQL
// and MariaDB (MariaDB counts YEAR as numeric and GEOMETRY as character).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/charset.h"
#include "connectors/mysql/format_description_event.h"

namespace cdc::mysql {

enum class Signedness : uint8_t { kUnknown, kSigned, kUnsigned };

struct ColumnInfo {
  ColumnType type = ColumnType::kNull;       // the real type: ENUM and SET resolved
  ColumnType wire_type = ColumnType::kNull;  // the type byte of the table map
  // The metadata as one number, the way mysqlbinlog's table_def holds it (STRING:
  // real type << 8 | length byte; BIT: bytes << 8 | bits; NEWDECIMAL: precision << 8
  // | scale; VARCHAR: max length; one-byte kinds: that byte).
  uint16_t metadata = 0;
  // STRING/VARCHAR: maximum bytes; ENUM/SET: stored bytes (1-2 / 1-8); BIT: bits;
  // BLOB/TEXT/JSON/GEOMETRY/VECTOR: bytes of the length prefix (1-4).
  uint32_t length = 0;
  uint8_t precision = 0;  // NEWDECIMAL
  uint8_t decimals = 0;   // NEWDECIMAL scale; TIME2/DATETIME2/TIMESTAMP2 fractional digits
  bool nullable = false;
  Signedness signedness = Signedness::kUnknown;
  uint32_t collation = 0;  // 0 when the server sent none
  TextEncoding encoding = TextEncoding::kUnknown;
  bool visible = true;
  uint32_t geometry_type = 0;
  std::string name;                  // empty when the server sent no names
  std::vector<std::string> members;  // ENUM/SET member strings in UTF-8, if sent
};

struct TableMap {
  struct KeyPart {
    uint32_t column = 0;
    uint32_t prefix_length = 0;  // 0: the whole column
  };
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<ColumnInfo> columns;
  std::vector<KeyPart> primary_key;  // empty when not sent
  bool has_column_names = false;
  bool has_signedness = false;
  bool has_charsets = false;
  // Number of JSON columns: partial-update rows events carry one bit per JSON column.
  uint32_t json_column_count = 0;
};

// Decodes a TABLE_MAP_EVENT. Throws ProtocolError on malformed bytes or a column type
// whose metadata size is unknown.
TableMap decode_table_map(const RawEvent& raw, const FormatDescriptionEvent& fde);

// Reads the table id of a TABLE_MAP_EVENT or rows event post-header: 6 bytes, or 4
// when the post-header is 6 bytes long (MySQL 5.1.4 and older).
uint64_t read_table_id(ByteReader& r, uint8_t post_header_length);

}  // namespace cdc::mysql
