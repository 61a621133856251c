#include "connectors/postgres/pg_datetime.h"

#include <limits>

#include "core/ascii_digits.h"

namespace cdc::pg {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }

  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool eat(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Between `min_digits` and `max_digits` decimal digits, as many as there are.
  bool number(size_t min_digits, size_t max_digits, int64_t& out) {
    size_t n = 0;
    out = 0;
    while (n < max_digits && pos_ < text_.size() && is_digit(text_[pos_])) {
      out = out * 10 + (text_[pos_] - '0');
      ++pos_;
      ++n;
    }
    return n >= min_digits && !(pos_ < text_.size() && is_digit(text_[pos_]));
  }

  // After a '.', 1 to 6 digits of a second, scaled to microseconds.
  bool fraction_micros(int64_t& out) {
    const size_t start = pos_;
    if (!number(1, 6, out)) return false;
    for (size_t digits = pos_ - start; digits < 6; ++digits) out *= 10;
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

struct CivilDate {
  int64_t year = 0;
  int64_t month = 0;
  int64_t day = 0;
};

bool is_leap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int64_t days_in_month(int64_t year, int64_t month) {
  constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// PostgreSQL prints at least four year digits; dates reach year 5874897.
bool read_date(Scanner& in, CivilDate& date) {
  return in.number(1, 7, date.year) && date.year >= 1 && in.eat('-') &&
         in.number(2, 2, date.month) && date.month >= 1 && date.month <= 12 && in.eat('-') &&
         in.number(2, 2, date.day) && date.day >= 1;
}

// " BC" closes the whole text (after the time and zone); BC year N is astronomical 1-N.
bool read_era_and_end(Scanner& in, CivilDate& date) {
  if (in.eat(" BC")) date.year = 1 - date.year;
  return in.done() && date.day <= days_in_month(date.year, date.month);
}

bool read_time(Scanner& in, int64_t max_hour, int64_t& micros) {
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t fraction = 0;
  if (!(in.number(2, 2, hour) && hour <= max_hour && in.eat(':') && in.number(2, 2, minute) &&
        minute <= 59 && in.eat(':') && in.number(2, 2, second) && second <= 59)) {
    return false;
  }
  if (in.eat('.') && !in.fraction_micros(fraction)) return false;
  micros = ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + fraction;
  return true;
}

// "+HH", "+HH:MM", "+HH:MM:SS" (or '-'): seconds east of UTC.
bool read_offset(Scanner& in, int64_t& seconds) {
  int64_t sign = 0;
  if (in.eat('+')) {
    sign = 1;
  } else if (in.eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  int64_t hours = 0;
  int64_t minutes = 0;
  int64_t secs = 0;
  if (!in.number(2, 2, hours)) return false;
  if (in.eat(':')) {
    if (!in.number(2, 2, minutes) || minutes > 59) return false;
    if (in.eat(':') && (!in.number(2, 2, secs) || secs > 59)) return false;
  }
  seconds = sign * ((hours * 60 + minutes) * 60 + secs);
  return true;
}

// days * one day + micros, or nullopt past the int64 range or on a +-infinity sentinel.
std::optional<int64_t> to_micros(int64_t days, int64_t micros) {
  int64_t scaled = 0;
  int64_t total = 0;
  if (__builtin_mul_overflow(days, kMicrosPerDay, &scaled) ||
      __builtin_add_overflow(scaled, micros, &total) ||
      total == std::numeric_limits<int64_t>::max() ||
      total == std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return total;
}

struct DateTime {
  int64_t days = 0;
  int64_t time_micros = 0;
  int64_t offset_seconds = 0;
};

std::optional<DateTime> read_date_time(std::string_view text, bool with_offset) {
  Scanner in(text);
  CivilDate date;
  DateTime out;
  if (!read_date(in, date) || !in.eat(' ') || !read_time(in, 23, out.time_micros)) {
    return std::nullopt;
  }
  if (with_offset && !read_offset(in, out.offset_seconds)) return std::nullopt;
  if (!read_era_and_end(in, date)) return std::nullopt;
  out.days = days_from_civil(date.year, date.month, date.day);
  return out;
}

}  // namespace

std::optional<Date> parse_pg_date(std::string_view text) {
  if (text == "infinity") return Date{Date::kInfinity};
  if (text == "-infinity") return Date{Date::kMinusInfinity};
  Scanner in(text);
  CivilDate date;
  if (!read_date(in, date) || !read_era_and_end(in, date)) return std::nullopt;
  const int64_t days = days_from_civil(date.year, date.month, date.day);
  if (days <= Date::kMinusInfinity || days >= Date::kInfinity) return std::nullopt;
  return Date{static_cast<int32_t>(days)};
}

std::optional<LocalTimestamp> parse_pg_timestamp(std::string_view text) {
  if (text == "infinity") return LocalTimestamp{LocalTimestamp::kInfinity};
  if (text == "-infinity") return LocalTimestamp{LocalTimestamp::kMinusInfinity};
  const auto parts = read_date_time(text, /*with_offset=*/false);
  if (!parts) return std::nullopt;
  const auto micros = to_micros(parts->days, parts->time_micros);
  if (!micros) return std::nullopt;
  return LocalTimestamp{*micros};
}

std::optional<Timestamp> parse_pg_timestamptz(std::string_view text) {
  if (text == "infinity") return Timestamp{Timestamp::kInfinity};
  if (text == "-infinity") return Timestamp{Timestamp::kMinusInfinity};
  const auto parts = read_date_time(text, /*with_offset=*/true);
  if (!parts) return std::nullopt;
  // Local wall time minus the offset east of UTC is UTC.
  const auto micros =
      to_micros(parts->days, parts->time_micros - parts->offset_seconds * kMicrosPerSecond);
  if (!micros) return std::nullopt;
  return Timestamp{*micros};
}

std::optional<TimeOfDay> parse_pg_time(std::string_view text) {
  Scanner in(text);
  int64_t micros = 0;
  if (!read_time(in, 24, micros) || !in.done() || micros > kMicrosPerDay) return std::nullopt;
  return TimeOfDay{micros};
}

}  // namespace cdc::pg
