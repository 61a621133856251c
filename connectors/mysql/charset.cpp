#include "connectors/mysql/charset.h"

#include "connectors/mysql/binlog_constants.h"

namespace cdc::mysql {
namespace {

// Code points of cp1252's 0x80..0x9f (Unicode's cp1252 mapping table).
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

TextEncoding encoding_of_base_collation(uint32_t id) {
  switch (id) {
    case kBinaryCollation:
      return TextEncoding::kBinary;
    case 5:
    case 8:
    case 15:
    case 31:
    case 47:
    case 48:
    case 49:
    case 94:
      return TextEncoding::kLatin1;
    case 11:   // ascii_general_ci
    case 65:   // ascii_bin
    case 33:   // utf8mb3_general_ci
    case 45:   // utf8mb4_general_ci
    case 46:   // utf8mb4_bin
    case 76:   // utf8mb3_tolower_ci
    case 83:   // utf8mb3_bin
    case 223:  // utf8mb3_general_mysql500_ci
      return TextEncoding::kUtf8;
    default:
      break;
  }
  if ((id >= 192 && id <= 215) || (id >= 224 && id <= 247) || (id >= 255 && id <= 323)) {
    return TextEncoding::kUtf8;  // utf8mb3/utf8mb4 UCA collations
  }
  if (id >= 576 && id <= 639) return TextEncoding::kUtf8;  // MariaDB utf8mb3/utf8mb4 extras
  return TextEncoding::kOther;
}

void append_code_point(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

TextEncoding encoding_of_collation(uint32_t collation_id) {
  if (collation_id == 0) return TextEncoding::kUnknown;
  if (collation_id >= 2048 && collation_id < 2560) return TextEncoding::kUtf8;  // MariaDB UCA-14
  if (collation_id > 1024 && collation_id < 2048) {
    return encoding_of_base_collation(collation_id - 1024);  // MariaDB NO PAD variants
  }
  return encoding_of_base_collation(collation_id);
}

void append_latin1_as_utf8(std::string_view latin1, std::string& out) {
  out.reserve(out.size() + latin1.size());
  for (char c : latin1) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else if (b < 0xA0) {
      append_code_point(kCp1252High[b - 0x80], out);
    } else {
      append_code_point(b, out);
    }
  }
}

}  // namespace cdc::mysql
