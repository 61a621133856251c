// What the collation ids of a TABLE_MAP_EVENT mean for decoding text: UTF-8 compatible
// bytes pass through, latin1 is converted to UTF-8, binary stays bytes. Collation ids:
// MySQL `SHOW COLLATION` (mysys/charset ids, 255+ for the 8.0 utf8mb4_0900 family);
// MariaDB adds NO PAD variants at base id + 1024 and UCA-14 collations from 2048.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdc::mysql {

enum class TextEncoding : uint8_t {
  kUnknown,  // the table map carried no charset for this column
  kUtf8,     // utf8mb3, utf8mb4, ascii: already UTF-8
  kLatin1,   // MySQL's latin1, which is Windows-1252
  kBinary,   // collation 63: raw bytes
  kOther,    // another character set (cp1251, gbk, utf16, ...): kept as raw bytes
};

TextEncoding encoding_of_collation(uint32_t collation_id);

// Appends `latin1` converted to UTF-8 to `out`. MySQL's latin1 is cp1252 with the five
// undefined positions (0x81 0x8d 0x8f 0x90 0x9d) mapped to the same code points.
void append_latin1_as_utf8(std::string_view latin1, std::string& out);

}  // namespace cdc::mysql
