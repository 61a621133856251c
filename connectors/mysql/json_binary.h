// MySQL's binary JSON (the storage and binlog format of JSON columns) to JSON text.
// Format (MySQL sql-common/json_binary.h): a type byte, then the value.
//   0x00/0x01 small/large object: count, size (2/4 bytes each), key entries
//             (offset 2/4 + length 2), value entries (type 1 + offset-or-inline 2/4),
//             then keys and values; offsets count from the object's first byte
//   0x02/0x03 small/large array: count, size, value entries, values
//   0x04 literal (0 null, 1 true, 2 false)   0x05/0x06 int16/uint16
//   0x07/0x08 int32/uint32   0x09/0x0a int64/uint64   0x0b double
//   0x0c string: variable-length size (7 bits per byte, high bit = more), bytes
//   0x0f opaque: MySQL field type (1), variable-length size, bytes
// Literals and 16-bit integers (and 32-bit ones in large containers) are stored inline
// in the value entry instead of an offset.
#pragma once

#include <string>

#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

// Appends the compact JSON text ({"a":[1,2]}) of `binary` to `out`. Object keys keep
// the stored order (MySQL sorts them by length, then bytes). Doubles print in their
// shortest round-trip form; opaque DECIMAL prints as a number, DATE/TIME/DATETIME/
// TIMESTAMP as strings ("2015-01-15 23:24:25.000000", six fraction digits as MySQL
// prints them), other opaque values as "base64:typeNN:<data>" as MySQL does.
// An empty input is the JSON null. Throws ProtocolError on malformed input, nesting
// deeper than 150 levels, or offsets that revisit data so much the output would explode.
void append_json_text(Bytes binary, std::string& out);

std::string json_binary_to_text(Bytes binary);

}  // namespace cdc::mysql
