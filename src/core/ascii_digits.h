// Decimal digits in ASCII text, as the decoders and parsers read them: independent of the
// locale, unlike <cctype>'s isdigit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cdc {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The `width` digits at text[pos] as a number; nullopt when the text ends first or one of
// them is not a digit.
inline std::optional<int64_t> fixed_digits(std::string_view text, size_t pos, size_t width) {
  if (pos > text.size() || width > text.size() - pos) return std::nullopt;
  int64_t value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace cdc
