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

// Eight ASCII bytes (below 0x80) of which none needs an escape.
bool plain_ascii(uint64_t word) { return (word & kHighs) == 0 && !needs_escape(word); }

uint64_t load_word(const char* at) {
  uint64_t word = 0;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// A text of fewer than eight bytes as one word, padded with spaces, which need no escape:
// loaded in pieces of four, two and one bytes, never past the text's end.
uint64_t load_short(std::string_view text) {
  constexpr uint64_t kSpaces = 0x2020202020202020u;
  const char* at = text.data();
  uint64_t word = 0;
  unsigned bits = 0;
  if ((text.size() & 4) != 0) {
    uint32_t piece = 0;
    std::memcpy(&piece, at, sizeof piece);
    word = piece;
    at += 4;
    bits = 32;
  }
  if ((text.size() & 2) != 0) {
    uint16_t piece = 0;
    std::memcpy(&piece, at, sizeof piece);
    word |= uint64_t{piece} << bits;
    at += 2;
    bits += 16;
  }
  if ((text.size() & 1) != 0) {
    word |= uint64_t{static_cast<unsigned char>(*at)} << bits;
    bits += 8;
  }
  return word | (kSpaces << bits);  // bits < 64: the text is shorter than a word
}

// Where the first word of `text` for which `ok` fails starts, or text.size() when it holds
// for every word: a word at a time, the tail of a text of eight bytes or more as its last
// eight (read twice, which is harmless), a text shorter than a word (field names,
// mostly) as one padded word.
template <typename WordTest>
size_t first_word_failing(std::string_view text, WordTest ok) {
  if (text.size() < sizeof(uint64_t)) return ok(load_short(text)) ? text.size() : 0;
  size_t i = 0;
  for (; text.size() - i >= sizeof(uint64_t); i += sizeof(uint64_t)) {
    if (!ok(load_word(text.data() + i))) return i;
  }
  if (i < text.size() && !ok(load_word(text.data() + text.size() - sizeof(uint64_t)))) return i;
  return text.size();
}

// Where the first byte JSON escapes is, or text.size(): looked at byte by byte only from
// the word that holds it.
size_t first_escape(std::string_view text) {
  size_t i = first_word_failing(text, [](uint64_t word) { return !needs_escape(word); });
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

// `text` between quotes, in one growth of `out`.
void append_quoted(std::string& out, std::string_view text) {
  const size_t at = out.size();
  out.resize(at + text.size() + 2);
  char* p = out.data() + at;
  *p++ = '"';
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '"';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  const size_t first = first_escape(text);
  if (first == text.size()) {
    append_quoted(out, text);  // most texts
    return;
  }
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  // Runs of ordinary bytes are copied in one go; only the escapes are written singly.
  size_t plain_from = 0;
  for (size_t i = first; i < text.size();) {
    out.append(text.data() + plain_from, i - plain_from);
    append_escape(out, static_cast<unsigned char>(text[i]));
    plain_from = i + 1;
    i = plain_from + first_escape(text.substr(plain_from));
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
  out += '"';
}

bool append_plain_ascii_json_string(std::string& out, std::string_view text) {
  if (first_word_failing(text, plain_ascii) != text.size()) return false;
  append_quoted(out, text);
  return true;
}

bool needs_json_escape(std::string_view text) { return first_escape(text) != text.size(); }

char* put_plain_json_member(char* at, std::string_view name, std::string_view json) {
  *at++ = '"';
  std::memcpy(at, name.data(), name.size());
  at += name.size();
  *at++ = '"';
  *at++ = ':';
  std::memcpy(at, json.data(), json.size());
  return at + json.size();
}

void append_json_member(std::string& out, std::string_view name, std::string_view json) {
  if (needs_json_escape(name)) {
    append_json_string(out, name);
    out += ':';
    out += json;
    return;
  }
  const size_t at = out.size();
  out.resize(at + plain_json_member_size(name, json));
  put_plain_json_member(out.data() + at, name, json);
}

}  // namespace cdc
