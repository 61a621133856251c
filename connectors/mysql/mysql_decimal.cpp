#include "connectors/mysql/mysql_decimal.h"

#include <algorithm>
#include <array>
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
constexpr size_t kMaxBinarySize = 30;  // DECIMAL(65, 30)

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

std::string read_decimal(ByteReader& r, int precision, int scale) {
  if (precision < 1 || precision > kMaxPrecision || scale < 0 || scale > kMaxScale ||
      scale > precision) {
    r.fail(fmt::format("DECIMAL({},{}) is not a valid decimal shape", precision, scale));
  }
  const Shape s = shape_of(precision, scale);
  const size_t size = decimal_binary_size(precision, scale);
  std::array<uint8_t, kMaxBinarySize> buf{};
  const Bytes raw = r.bytes(size, "decimal");
  for (size_t i = 0; i < size; ++i) buf[i] = std::to_integer<uint8_t>(raw[i]);
  const bool negative = (buf[0] & 0x80) == 0;
  buf[0] ^= 0x80;
  if (negative) {
    for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>(~buf[i]);
  }

  size_t pos = 0;
  auto group = [&](int digits) {
    const int bytes = digits == kDigitsPerGroup ? kGroupBytes : kDigitBytes[digits];
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | buf[pos++];
    if (v >= kPowersOfTen[digits]) {
      r.fail(fmt::format("decimal group {} has more than {} digits", v, digits));
    }
    return v;
  };

  // The text is written into one buffer on the stack and becomes a string once: decimals
  // are frequent, this is hot. text[0] is kept free for the sign.
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
  if (s.int_partial > 0) put(group(s.int_partial), s.int_partial);
  for (int g = 0; g < s.int_groups; ++g) put(group(kDigitsPerGroup), kDigitsPerGroup);
  // Leading zeros of the integer part go, but for one.
  char* first = digits;
  while (first + 1 < at && *first == '0') ++first;
  if (at == digits) *at++ = '0';
  bool zero = at - first == 1 && *first == '0';
  if (scale > 0) {
    *at++ = '.';
    const char* fraction = at;
    for (int g = 0; g < s.frac_groups; ++g) put(group(kDigitsPerGroup), kDigitsPerGroup);
    if (s.frac_partial > 0) put(group(s.frac_partial), s.frac_partial);
    zero = zero &&
           std::all_of(fraction, static_cast<const char*>(at), [](char c) { return c == '0'; });
  }
  if (negative && !zero) *--first = '-';  // MySQL has no negative zero
  return std::string(first, at);
}

}  // namespace cdc::mysql
