// Exact decimal numbers as text ("-0012.3400"): canonical forms for JSON and exact
// comparison, without going through double.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cdc::mapping {

// A finite decimal split into its significant parts; views into the parsed text.
struct DecimalParts {
  bool negative = false;          // never set for zero
  std::string_view integer;       // without leading zeros; empty for |x| < 1
  std::string_view fraction;      // without trailing zeros; empty for integers
  std::string_view raw_fraction;  // the fraction digits as written (scale kept)

  bool is_zero() const { return integer.empty() && fraction.empty(); }
  // Digits from the first to the last non-zero digit ("0.00120" -> 2, "1200" -> 2).
  size_t significant_digits() const;
  // Power of ten of the first significant digit ("123.4" -> 2, "0.05" -> -2).
  // REQUIRES: !is_zero().
  long leading_exponent() const;
};

// Parses [+-]digits[.digits] (either side of the point may be empty, not both).
// No exponent, no spaces, no NaN/Infinity.
std::optional<DecimalParts> parse_decimal(std::string_view text);

// Canonical JSON number: "-12.34", "0", "100" (no leading or trailing zeros, no "-0").
void append_decimal_number(std::string& out, const DecimalParts& parts);

// Canonical text that keeps the source's scale: "-12.30", "0.00", "7".
void append_decimal_with_scale(std::string& out, const DecimalParts& parts);

// True when the number survives a trip through an IEEE double unchanged at its printed
// precision: at most 15 significant digits (DBL_DIG) and a magnitude a double holds.
bool fits_double(const DecimalParts& parts);

// Exact order of two decimals: negative, zero or positive like strcmp.
int compare_decimals(const DecimalParts& a, const DecimalParts& b);

}  // namespace cdc::mapping
