#include "connectors/mysql/mysql_decimal.h"

#include <array>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

namespace cdc::mysql {
namespace {

constexpr int kDigitsPerGroup = 9;
constexpr int kGroupBytes = 4;
constexpr std::array<int, 10> kDigitBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::array<uint32_t, 10> kPowersOfTen = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
constexpr int kMaxPrecision = 65;
constexpr int kMaxScale = 30;

struct Shape {
  int int_groups, int_partial, frac_groups, frac_partial;
};

Shape shape_of(int precision, int scale) {
  const int integer_digits = precision - scale;
  return {integer_digits / kDigitsPerGroup, integer_digits % kDigitsPerGroup,
          scale / kDigitsPerGroup, scale % kDigitsPerGroup};
}

}  // namespace

size_t decimal_binary_size(int precision, int scale) {
  const Shape s = shape_of(precision, scale);
  return static_cast<size_t>(s.int_groups * kGroupBytes + kDigitBytes[s.int_partial] +
                             s.frac_groups * kGroupBytes + kDigitBytes[s.frac_partial]);
}

void read_decimal_into(ByteReader& r, int precision, int scale, std::string& out) {
  if (precision < 1 || precision > kMaxPrecision || scale < 0 || scale > kMaxScale ||
      scale > precision) {
    r.fail(fmt::format("DECIMAL({},{}) is not a valid decimal shape", precision, scale));
  }
  const Shape s = shape_of(precision, scale);
  const Bytes raw = r.bytes(decimal_binary_size(precision, scale), "decimal");
  // The sign bit is flipped either way; a negative value has every byte inverted too. Read
  // in place: decimals are frequent, this is hot.
  const uint8_t invert = (std::to_integer<uint8_t>(raw[0]) & 0x80) == 0 ? 0xff : 0x00;
  const bool negative = invert != 0;
  size_t pos = 0;
  auto group = [&](int digits) {
    const int bytes = digits == kDigitsPerGroup ? kGroupBytes : kDigitBytes[digits];
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i, ++pos) {
      const uint8_t flip = pos == 0 ? 0x80 : 0x00;
      v = (v << 8) | (std::to_integer<uint8_t>(raw[pos]) ^ invert ^ flip);
    }
    if (v >= kPowersOfTen[digits]) {
      r.fail(fmt::format("decimal group {} has more than {} digits", v, digits));
    }
    return v;
  };

  // The text is written into one buffer on the stack and goes into `out` once. text[0]
  // is kept free for the sign.
  std::array<char, kMaxPrecision + 3> text;
  char* const digits = text.data() + 1;
  char* at = digits;
  auto put = [&](uint32_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      at[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    at += width;
  };
  // The integer part without its leading zeros: groups of zeros are skipped, and the
  // first group that is not zero is written as a number; the ones after it in full.
  bool integer_zero = true;
  auto put_integer = [&](uint32_t v, int width) {
    if (!integer_zero) {
      put(v, width);
    } else if (v != 0) {
      at = std::to_chars(at, text.data() + text.size(), v).ptr;
      integer_zero = false;
    }
  };
  if (s.int_partial > 0) put_integer(group(s.int_partial), s.int_partial);
  for (int g = 0; g < s.int_groups; ++g) put_integer(group(kDigitsPerGroup), kDigitsPerGroup);
  if (integer_zero) *at++ = '0';
  bool zero = integer_zero;
  if (scale > 0) {
    *at++ = '.';
    for (int g = 0; g < s.frac_groups; ++g) {
      const uint32_t v = group(kDigitsPerGroup);
      zero = zero && v == 0;
      put(v, kDigitsPerGroup);
    }
    if (s.frac_partial > 0) {
      const uint32_t v = group(s.frac_partial);
      zero = zero && v == 0;
      put(v, s.frac_partial);
    }
  }
  char* first = digits;
  if (negative && !zero) *--first = '-';  // MySQL has no negative zero
  out.assign(first, at);
}

std::string read_decimal(ByteReader& r, int precision, int scale) {
  std::string text;
  read_decimal_into(r, precision, scale, text);
  return text;
}

}  // namespace cdc::mysql
