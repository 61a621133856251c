// Comparisons in `where` and `when` expressions: between two column values, and between
// a column value and a literal written in the mapping. Numbers compare exactly across
// integer, unsigned, decimal and numeric-looking text; dates and times compare with
// string literals in ISO form ('2024-05-01', '2024-05-01 12:00:00+02').
#pragma once

#include <optional>
#include <string>

#include "core/value.h"
#include "mapping/civil_time.h"
#include "mapping/time_zone.h"

namespace cdc::mapping {

// A literal from an expression, with the forms it can be compared in worked out once at
// load time.
struct Literal {
  Value value;  // Null, bool, int64_t, Decimal (other numbers) or std::string
  // Canonical decimal text when the literal is a number or a string that reads as one.
  std::optional<std::string> number;
  std::optional<double> number_double;
  // A string literal that reads as a date, a date-time or a time of day.
  std::optional<int64_t> date_days;
  std::optional<ParsedDateTime> date_time;
  std::optional<int64_t> time_micros;

  static Literal make(Value value);
};

// Equality as IS NOT DISTINCT FROM: NULL equals NULL and nothing else; values of kinds
// that do not compare are unequal.
bool values_equal(const Value& a, const Value& b);

// Order of two non-NULL values; nullopt when their kinds do not compare.
std::optional<int> compare_values(const Value& a, const Value& b);

// Order of a non-NULL value and a non-NULL literal; nullopt when they do not compare.
// `zone` reads naive timestamps and literals without an offset.
std::optional<int> compare_with_literal(const Value& value, const Literal& literal,
                                        const TimeZone& zone);

}  // namespace cdc::mapping
