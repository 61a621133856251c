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

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain_from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    // Eight bytes that need no escape are passed over at once.
    while (text.size() - i >= sizeof(uint64_t)) {
      uint64_t word = 0;
      std::memcpy(&word, text.data() + i, sizeof word);
      if (needs_escape(word)) break;
      i += sizeof word;
    }
    if (i == text.size()) break;
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    // Runs of ordinary bytes are copied in one go; only the escapes are written singly.
    out.append(text.data() + plain_from, i - plain_from);
    plain_from = i + 1;
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
  out.append(text.data() + plain_from, text.size() - plain_from);
  out += '"';
}

}  // namespace cdc
