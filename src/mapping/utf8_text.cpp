#include "mapping/utf8_text.h"

#include <cstdint>
#include <cstring>

namespace cdc::mapping {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the well-formed sequence starting at text[i], or 0 when ill-formed; on 0,
// `subpart` receives the length of the maximal ill-formed subpart (at least 1).
// Table 3-7 of the Unicode standard gives the allowed second-byte ranges.
size_t sequence_length(std::string_view text, size_t i, size_t& subpart) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  subpart = 1;
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return 0;
    const unsigned char c = byte(i + k);
    const bool ok = k == 1 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF);
    if (!ok) return 0;
    subpart = k + 1;
  }
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Most text is ASCII: eight bytes without a high bit are skipped at once.
    if (uint64_t word = 0; text.size() - i >= sizeof word) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & 0x8080808080808080u) == 0) {
        i += sizeof word;
        continue;
      }
    }
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t subpart = 0;
    const size_t length = sequence_length(text, i, subpart);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

void append_valid_utf8(std::string& out, std::string_view text) {
  size_t plain_from = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t subpart = 0;
    const size_t length = sequence_length(text, i, subpart);
    if (length != 0) {
      i += length;
      continue;
    }
    out.append(text.data() + plain_from, i - plain_from);
    out += kReplacement;
    i += subpart;
    plain_from = i;
  }
  out.append(text.data() + plain_from, text.size() - plain_from);
}

size_t count_code_points(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    // Continuation bytes are 10xxxxxx; every other byte starts a code point.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

size_t code_point_prefix_bytes(std::string_view text, size_t count) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (seen == count) return i;
      ++seen;
    }
  }
  return text.size();
}

}  // namespace cdc::mapping
