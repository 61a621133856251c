#include "mapping/decimal_text.h"

#include <algorithm>

namespace cdc::mapping {
namespace {

// Compares the magnitudes |a| and |b|.
int compare_magnitudes(const DecimalParts& a, const DecimalParts& b) {
  if (a.integer.size() != b.integer.size()) return a.integer.size() < b.integer.size() ? -1 : 1;
  if (int c = a.integer.compare(b.integer); c != 0) return c < 0 ? -1 : 1;
  // Fractions compare digit by digit; a missing digit is a zero, and neither ends in one.
  const size_t n = std::min(a.fraction.size(), b.fraction.size());
  if (int c = a.fraction.substr(0, n).compare(b.fraction.substr(0, n)); c != 0) {
    return c < 0 ? -1 : 1;
  }
  if (a.fraction.size() == b.fraction.size()) return 0;
  return a.fraction.size() < b.fraction.size() ? -1 : 1;
}

}  // namespace

size_t DecimalParts::significant_digits() const {
  if (!integer.empty()) {
    if (!fraction.empty()) return integer.size() + fraction.size();
    const size_t last = integer.find_last_not_of('0');
    return last + 1;
  }
  const size_t first = fraction.find_first_not_of('0');
  return first == std::string_view::npos ? 0 : fraction.size() - first;
}

long DecimalParts::leading_exponent() const {
  if (!integer.empty()) return static_cast<long>(integer.size()) - 1;
  return -static_cast<long>(fraction.find_first_not_of('0')) - 1;
}

// One pass over the text: decimals are in many rows, and finding the point, checking
// both sides and trimming each in turn cost about twice as much.
std::optional<DecimalParts> parse_decimal(std::string_view text) {
  DecimalParts parts;
  const char* at = text.data();
  const char* const end = at + text.size();
  auto digits_from = [&](const char* from) {
    while (from != end && static_cast<unsigned char>(*from - '0') < 10) ++from;
    return from;
  };
  if (at != end && (*at == '-' || *at == '+')) {
    parts.negative = *at == '-';
    ++at;
  }
  const char* integer = at;
  const char* integer_end = digits_from(integer);
  const char* fraction = integer_end;
  const char* fraction_end = integer_end;
  if (fraction != end && *fraction == '.') {
    ++fraction;
    fraction_end = digits_from(fraction);
  }
  if (fraction_end != end) return std::nullopt;  // not a digit, or a second point
  if (integer == integer_end && fraction == fraction_end) return std::nullopt;
  parts.raw_fraction = std::string_view(fraction, static_cast<size_t>(fraction_end - fraction));
  while (integer != integer_end && *integer == '0') ++integer;
  while (fraction_end != fraction && fraction_end[-1] == '0') --fraction_end;
  parts.integer = std::string_view(integer, static_cast<size_t>(integer_end - integer));
  parts.fraction = std::string_view(fraction, static_cast<size_t>(fraction_end - fraction));
  if (parts.is_zero()) parts.negative = false;
  return parts;
}

void append_decimal_number(std::string& out, const DecimalParts& parts) {
  if (parts.negative) out += '-';
  if (parts.integer.empty()) {
    out += '0';
  } else {
    out += parts.integer;
  }
  if (!parts.fraction.empty()) {
    out += '.';
    out += parts.fraction;
  }
}

void append_decimal_with_scale(std::string& out, const DecimalParts& parts) {
  if (parts.negative) out += '-';
  if (parts.integer.empty()) {
    out += '0';
  } else {
    out += parts.integer;
  }
  if (!parts.raw_fraction.empty()) {
    out += '.';
    out += parts.raw_fraction;
  }
}

bool fits_double(const DecimalParts& parts) {
  if (parts.is_zero()) return true;
  if (parts.significant_digits() > 15) return false;
  // DBL_MAX is about 1.8e308 and normal doubles reach down to about 2.2e-308.
  const long exponent = parts.leading_exponent();
  return exponent <= 307 && exponent >= -307;
}

int compare_decimals(const DecimalParts& a, const DecimalParts& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  const int magnitude = compare_magnitudes(a, b);
  return a.negative ? -magnitude : magnitude;
}

}  // namespace cdc::mapping
