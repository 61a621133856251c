#include "mapping/posix_tz_rule.h"

#include "mapping/civil_time.h"

namespace cdc::mapping {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // A zone abbreviation: three or more letters, or <...> with letters, digits, + and -.
  bool name() {
    if (take('<')) {
      const size_t start = pos_;
      while (!done() && peek() != '>') ++pos_;
      if (pos_ - start < 3 || !take('>')) return false;
      return true;
    }
    const size_t start = pos_;
    while (!done() && ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z'))) {
      ++pos_;
    }
    return pos_ - start >= 3;
  }

  std::optional<int> number(int max) {
    if (done() || peek() < '0' || peek() > '9') return std::nullopt;
    int value = 0;
    while (!done() && peek() >= '0' && peek() <= '9') {
      value = value * 10 + (text_[pos_++] - '0');
      if (value > max) return std::nullopt;
    }
    return value;
  }

  // [+-]hh[:mm[:ss]] in seconds, sign as written.
  std::optional<int32_t> duration(int max_hours) {
    int sign = 1;
    if (take('-')) {
      sign = -1;
    } else {
      take('+');
    }
    auto hours = number(max_hours);
    if (!hours) return std::nullopt;
    int32_t seconds = *hours * 3600;
    if (take(':')) {
      auto minutes = number(59);
      if (!minutes) return std::nullopt;
      seconds += *minutes * 60;
      if (take(':')) {
        auto secs = number(59);
        if (!secs) return std::nullopt;
        seconds += *secs;
      }
    }
    return sign * seconds;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<PosixTzRule> PosixTzRule::parse(std::string_view text) {
  Cursor c(text);
  PosixTzRule rule;
  if (!c.name()) return std::nullopt;
  // POSIX offsets count hours west of Greenwich: "CET-1" is one hour east.
  auto std_west = c.duration(24);
  if (!std_west) return std::nullopt;
  rule.std_offset_ = -*std_west;
  if (c.done()) return rule;
  if (!c.name()) return std::nullopt;
  rule.has_dst_ = true;
  rule.dst_offset_ = rule.std_offset_ + 3600;
  if (c.peek() != ',' && !c.done()) {
    auto dst_west = c.duration(24);
    if (!dst_west) return std::nullopt;
    rule.dst_offset_ = -*dst_west;
  }
  // Without a rule part, POSIX leaves the dates to the implementation; TZif footers
  // always carry one, so a missing one is refused rather than guessed.
  for (DateRule* date : {&rule.start_, &rule.end_}) {
    if (!c.take(',')) return std::nullopt;
    if (c.take('M')) {
      auto month = c.number(12);
      if (!month || *month < 1 || !c.take('.')) return std::nullopt;
      auto week = c.number(5);
      if (!week || *week < 1 || !c.take('.')) return std::nullopt;
      auto day = c.number(6);
      if (!day) return std::nullopt;
      *date = DateRule{DateRule::Kind::kMonthWeekDay, *day, *week, *month, 7200};
    } else if (c.take('J')) {
      auto day = c.number(365);
      if (!day || *day < 1) return std::nullopt;
      *date = DateRule{DateRule::Kind::kJulianNoLeap, *day, 0, 0, 7200};
    } else {
      auto day = c.number(365);
      if (!day) return std::nullopt;
      *date = DateRule{DateRule::Kind::kJulianZero, *day, 0, 0, 7200};
    }
    if (c.take('/')) {
      auto time = c.duration(167);
      if (!time) return std::nullopt;
      date->time_seconds = *time;
    }
  }
  if (!c.done()) return std::nullopt;
  return rule;
}

int64_t PosixTzRule::day_of(const DateRule& rule, int64_t year) {
  const int64_t jan1 = days_from_civil(year, 1, 1);
  switch (rule.kind) {
    case DateRule::Kind::kJulianZero:
      return jan1 + rule.day;
    case DateRule::Kind::kJulianNoLeap: {
      const bool leap = days_in_month(year, 2) == 29;
      return jan1 + rule.day - 1 + (leap && rule.day >= 60 ? 1 : 0);
    }
    case DateRule::Kind::kMonthWeekDay:
      break;
  }
  const auto month = static_cast<unsigned>(rule.month);
  const int64_t first = days_from_civil(year, month, 1);
  const int64_t first_weekday = weekday_from_days(first);
  int64_t day = first + (rule.day - first_weekday + 7) % 7 + 7 * (rule.week - 1);
  while (day >= first + days_in_month(year, month)) day -= 7;
  return day;
}

int32_t PosixTzRule::offset_at(int64_t utc_seconds) const {
  if (!has_dst_) return std_offset_;
  const int64_t year = civil_from_days(floor_div(utc_seconds + std_offset_, 86400)).year;
  const int64_t start = day_of(start_, year) * 86400 + start_.time_seconds - std_offset_;
  const int64_t end = day_of(end_, year) * 86400 + end_.time_seconds - dst_offset_;
  const bool in_dst = start < end ? (utc_seconds >= start && utc_seconds < end)
                                  : !(utc_seconds >= end && utc_seconds < start);
  return in_dst ? dst_offset_ : std_offset_;
}

}  // namespace cdc::mapping
