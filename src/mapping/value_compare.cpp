#include "mapping/value_compare.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "mapping/decimal_text.h"

namespace cdc::mapping {
namespace {

template <typename T>
int order(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

std::optional<int> from_compare(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

// Numbers other than doubles as exact decimal text in `buf`; nullopt for non-numbers
// and for NaN. Infinite decimals map to a sentinel handled by the caller.
enum class NumberKind { kNone, kExact, kDouble, kPlusInfinity, kMinusInfinity, kNaN };

struct NumberView {
  NumberKind kind = NumberKind::kNone;
  DecimalParts exact;
  double approx = 0;
};

NumberView number_of(const Value& v, char (&buf)[32]) {
  NumberView n;
  if (const auto* i = v.get_if<int64_t>()) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *i);
    n.kind = NumberKind::kExact;
    n.exact = *parse_decimal(std::string_view(buf, static_cast<size_t>(end - buf)));
  } else if (const auto* u = v.get_if<uint64_t>()) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *u);
    n.kind = NumberKind::kExact;
    n.exact = *parse_decimal(std::string_view(buf, static_cast<size_t>(end - buf)));
  } else if (const auto* b = v.get_if<bool>()) {
    n.kind = NumberKind::kExact;
    n.exact = *parse_decimal(*b ? "1" : "0");
  } else if (const auto* d = v.get_if<double>()) {
    n.kind = std::isnan(*d) ? NumberKind::kNaN : NumberKind::kDouble;
    n.approx = *d;
  } else if (const auto* dec = v.get_if<Decimal>()) {
    if (dec->text == "Infinity") {
      n.kind = NumberKind::kPlusInfinity;
    } else if (dec->text == "-Infinity") {
      n.kind = NumberKind::kMinusInfinity;
    } else if (auto parts = parse_decimal(dec->text)) {
      n.kind = NumberKind::kExact;
      n.exact = *parts;
    } else {
      n.kind = NumberKind::kNaN;
    }
  }
  return n;
}

double approx_of(const NumberView& n) {
  switch (n.kind) {
    case NumberKind::kPlusInfinity:
      return HUGE_VAL;
    case NumberKind::kMinusInfinity:
      return -HUGE_VAL;
    case NumberKind::kDouble:
      return n.approx;
    default: {
      std::string text;
      append_decimal_number(text, n.exact);
      return std::strtod(text.c_str(), nullptr);
    }
  }
}

std::optional<int> compare_numbers(const NumberView& a, const NumberView& b) {
  if (a.kind == NumberKind::kNone || b.kind == NumberKind::kNone) return std::nullopt;
  if (a.kind == NumberKind::kNaN || b.kind == NumberKind::kNaN) return std::nullopt;
  if (a.kind == NumberKind::kExact && b.kind == NumberKind::kExact) {
    return from_compare(compare_decimals(a.exact, b.exact));
  }
  return order(approx_of(a), approx_of(b));
}

bool is_numeric(const Value& v) {
  return v.is<int64_t>() || v.is<uint64_t>() || v.is<double>() || v.is<Decimal>();
}

int64_t utc_micros_of(const ParsedDateTime& t, const TimeZone& zone) {
  if (t.offset_seconds) return t.local_micros - int64_t{*t.offset_seconds} * kMicrosPerSecond;
  return zone.local_to_utc_micros(t.local_micros);
}

bool is_infinite(int64_t micros) {
  return micros == Timestamp::kInfinity || micros == Timestamp::kMinusInfinity;
}

std::optional<int> compare_with_string(const Value& value, const Literal& literal,
                                       const TimeZone& zone) {
  const std::string& text = literal.value.as<std::string>();
  if (const auto* s = value.get_if<std::string>()) return from_compare(s->compare(text));
  if (const auto* b = value.get_if<Bytes>()) return from_compare(b->data.compare(text));
  if (const auto* d = value.get_if<Date>()) {
    if (!literal.date_days) return std::nullopt;
    return order<int64_t>(d->days, *literal.date_days);
  }
  if (const auto* t = value.get_if<Timestamp>()) {
    if (!literal.date_time) return std::nullopt;
    return order(t->micros, utc_micros_of(*literal.date_time, zone));
  }
  if (const auto* t = value.get_if<LocalTimestamp>()) {
    if (!literal.date_time) return std::nullopt;
    if (!literal.date_time->offset_seconds || is_infinite(t->micros)) {
      return order(t->micros, literal.date_time->local_micros);
    }
    return order(zone.local_to_utc_micros(t->micros), utc_micros_of(*literal.date_time, zone));
  }
  if (const auto* t = value.get_if<TimeOfDay>()) {
    if (!literal.time_micros) return std::nullopt;
    return order(t->micros, *literal.time_micros);
  }
  return std::nullopt;
}

}  // namespace

Literal Literal::make(Value value) {
  Literal literal;
  literal.value = std::move(value);
  std::string_view text;
  if (const auto* i = literal.value.get_if<int64_t>()) {
    literal.number = std::to_string(*i);
  } else if (const auto* b = literal.value.get_if<bool>()) {
    // MySQL has no boolean type: BOOL columns arrive as TINYINT 0/1.
    literal.number = *b ? "1" : "0";
  } else if (const auto* d = literal.value.get_if<Decimal>()) {
    text = d->text;
  } else if (const auto* s = literal.value.get_if<std::string>()) {
    text = *s;
    if (auto days = parse_date(*s)) literal.date_days = *days;
    literal.date_time = parse_date_time(*s);
    literal.time_micros = parse_time_of_day(*s);
  }
  if (!text.empty()) {
    if (auto parts = parse_decimal(text)) {
      std::string canonical;
      append_decimal_number(canonical, *parts);
      literal.number = std::move(canonical);
    }
  }
  if (literal.number) literal.number_double = std::strtod(literal.number->c_str(), nullptr);
  return literal;
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  if (is_numeric(a) && is_numeric(b)) {
    // PostgreSQL's rule, not IEEE's: NaN equals NaN (and only NaN), so an update that
    // leaves a NaN as it was does not count as a change.
    char buf_a[32];
    char buf_b[32];
    const bool nan_a = number_of(a, buf_a).kind == NumberKind::kNaN;
    const bool nan_b = number_of(b, buf_b).kind == NumberKind::kNaN;
    if (nan_a || nan_b) return nan_a && nan_b;
  }
  auto c = compare_values(a, b);
  return c && *c == 0;
}

std::optional<int> compare_values(const Value& a, const Value& b) {
  if (is_numeric(a) && is_numeric(b)) {
    char buf_a[32];
    char buf_b[32];
    return compare_numbers(number_of(a, buf_a), number_of(b, buf_b));
  }
  if (a.storage().index() != b.storage().index()) return std::nullopt;
  return std::visit(
      [&](const auto& x) -> std::optional<int> {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b.storage());
        if constexpr (std::is_same_v<T, Null> || std::is_same_v<T, Unchanged>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, bool>) {
          return order<int>(x, y);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return from_compare(x.compare(y));
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return from_compare(x.data.compare(y.data));
        } else if constexpr (std::is_same_v<T, Json>) {
          return from_compare(x.text.compare(y.text));
        } else if constexpr (std::is_same_v<T, Date>) {
          return order(x.days, y.days);
        } else if constexpr (std::is_same_v<T, Timestamp> || std::is_same_v<T, LocalTimestamp> ||
                             std::is_same_v<T, TimeOfDay>) {
          return order(x.micros, y.micros);
        } else if constexpr (std::is_same_v<T, ValueArray>) {
          if (x == y) return 0;
          return std::nullopt;
        } else {
          return std::nullopt;  // numbers were handled above
        }
      },
      a.storage());
}

std::optional<int> compare_with_literal(const Value& value, const Literal& literal,
                                        const TimeZone& zone) {
  if (value.is_null() || literal.value.is_null()) return std::nullopt;
  if (literal.value.is<std::string>()) {
    if (auto c = compare_with_string(value, literal, zone)) return c;
  }
  if (const auto* b = literal.value.get_if<bool>()) {
    if (const auto* vb = value.get_if<bool>()) return order<int>(*vb, *b);
  }
  if (!literal.number) return std::nullopt;
  NumberView lit;
  lit.kind = NumberKind::kExact;
  lit.exact = *parse_decimal(*literal.number);
  char buf[32];
  NumberView v = number_of(value, buf);
  if (v.kind == NumberKind::kDouble) return order(v.approx, *literal.number_double);
  if (v.kind == NumberKind::kNone) {
    // Text that reads as a number compares as one: MySQL and PostgreSQL both store
    // numeric codes in text columns often enough.
    const auto* s = value.get_if<std::string>();
    if (s == nullptr) return std::nullopt;
    auto parts = parse_decimal(*s);
    if (!parts) return std::nullopt;
    return from_compare(compare_decimals(*parts, lit.exact));
  }
  return compare_numbers(v, lit);
}

}  // namespace cdc::mapping
