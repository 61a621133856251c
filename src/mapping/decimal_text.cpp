#include "mapping/decimal_text.h"

#include <algorithm>

namespace cdc::mapping {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

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

std::optional<DecimalParts> parse_decimal(std::string_view text) {
  DecimalParts parts;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    parts.negative = text.front() == '-';
    text.remove_prefix(1);
  }
  const size_t point = text.find('.');
  std::string_view integer = text.substr(0, point);
  std::string_view fraction =
      point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (!all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  parts.raw_fraction = fraction;
  const size_t first = integer.find_first_not_of('0');
  parts.integer = first == std::string_view::npos ? std::string_view{} : integer.substr(first);
  const size_t last = fraction.find_last_not_of('0');
  parts.fraction =
      last == std::string_view::npos ? std::string_view{} : fraction.substr(0, last + 1);
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
