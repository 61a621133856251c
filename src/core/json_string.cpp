#include "core/json_string.h"

#include <cstdint>
#include <cstring>

namespace cdc {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101u;
constexpr uint64_t kHighs = 0x8080808080808080u;

// Whether one of the eight bytes of `word` is below 0x20, '"' or '\\': the bytes JSON
// escapes. Exact ("Bit Twiddling Hacks", determine if a word has a byte less than n /
// a zero byte): bytes of 0x80 and above never count.
bool needs_escape(uint64_t word) {
  auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  return (((word - 0x20 * kOnes) & ~word & kHighs) | has_zero(word ^ ('"' * kOnes)) |
          has_zero(word ^ ('\\' * kOnes))) != 0;
}

bool escapes(unsigned char byte) { return byte < 0x20 || byte == '"' || byte == '\\'; }

uint64_t load_word(const char* at) {
  uint64_t word = 0;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// Where the first byte JSON escapes is, or text.size(): a word at a time, the tail of a
// text of eight bytes or more as its last eight (read twice, which is harmless), so only
// texts shorter than a word (field names, mostly) are looked at byte by byte.
size_t first_escape(std::string_view text) {
  size_t i = 0;
  for (; text.size() - i >= sizeof(uint64_t); i += sizeof(uint64_t)) {
    if (needs_escape(load_word(text.data() + i))) break;
  }
  if (text.size() - i < sizeof(uint64_t) && text.size() >= sizeof(uint64_t) &&
      !needs_escape(load_word(text.data() + text.size() - sizeof(uint64_t)))) {
    return text.size();
  }
  while (i < text.size() && !escapes(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

// The escape of a byte for which escapes() holds.
void append_escape(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (byte) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
      break;
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  // Runs of ordinary bytes are copied in one go; only the escapes are written singly.
  size_t plain_from = 0;
  for (size_t i = first_escape(text); i < text.size();) {
    out.append(text.data() + plain_from, i - plain_from);
    append_escape(out, static_cast<unsigned char>(text[i]));
    plain_from = i + 1;
    i = plain_from + first_escape(text.substr(plain_from));
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
  out += '"';
}

}  // namespace cdc
