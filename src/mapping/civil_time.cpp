#include "mapping/civil_time.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "core/ascii_digits.h"

namespace cdc::mapping {
namespace {

void append_digits(std::string& out, int64_t value, int width) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  for (int pad = width - static_cast<int>(end - buf); pad > 0; --pad) out += '0';
  out.append(buf, end);
}

// Writes `value` as exactly `width` digits, zero-padded. REQUIRES: value < 10^width.
char* put_digits(char* at, uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return at + width;
}

// "YYYY-MM-DD" (10 characters). REQUIRES: 0 <= year <= 9999.
char* put_date(char* at, const CivilDate& date) {
  at = put_digits(at, static_cast<uint32_t>(date.year), 4);
  *at++ = '-';
  at = put_digits(at, date.month, 2);
  *at++ = '-';
  return put_digits(at, date.day, 2);
}

// ".ffffff..." at text[pos]: microseconds, extra digits dropped; `pos` moves past it.
int64_t fraction_micros(std::string_view text, size_t& pos) {
  if (pos >= text.size() || text[pos] != '.') return 0;
  ++pos;
  int64_t micros = 0;
  int digits = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (digits < 6) {
      micros = micros * 10 + (text[pos] - '0');
      ++digits;
    }
    ++pos;
  }
  for (; digits < 6; ++digits) micros *= 10;
  return micros;
}

// "HH:MM[:SS[.f]]" at text[pos] for a time of day within one day.
std::optional<int64_t> clock_time(std::string_view text, size_t& pos) {
  auto hour = fixed_digits(text, pos, 2);
  if (!hour || pos + 2 >= text.size() || text[pos + 2] != ':') return std::nullopt;
  auto minute = fixed_digits(text, pos + 3, 2);
  if (!minute) return std::nullopt;
  pos += 5;
  int64_t second = 0;
  if (pos < text.size() && text[pos] == ':') {
    auto s = fixed_digits(text, pos + 1, 2);
    if (!s) return std::nullopt;
    second = *s;
    pos += 3;
  }
  if (*hour > 23 || *minute > 59 || second > 60) return std::nullopt;
  const int64_t micros = fraction_micros(text, pos);
  // A leap second (":60") has no instant of its own; it reads as the next second.
  return ((*hour * 60 + *minute) * 60 + second) * kMicrosPerSecond + micros;
}

// "Z", "+HH", "+HH:MM", "+HHMM" (or '-') filling the rest of the text.
std::optional<int32_t> zone_offset(std::string_view rest) {
  if (rest == "Z" || rest == "z") return 0;
  if (rest.size() < 3 || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  auto hours = fixed_digits(rest, 1, 2);
  if (!hours) return std::nullopt;
  int64_t minutes = 0;
  std::string_view tail = rest.substr(3);
  if (!tail.empty() && tail[0] == ':') tail.remove_prefix(1);
  if (!tail.empty()) {
    auto m = fixed_digits(tail, 0, 2);
    if (!m || tail.size() != 2) return std::nullopt;
    minutes = *m;
  }
  if (*hours > 15 || minutes > 59) return std::nullopt;
  const int32_t seconds = static_cast<int32_t>((*hours * 60 + minutes) * 60);
  return rest[0] == '-' ? -seconds : seconds;
}

}  // namespace

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = floor_div(year, 400);
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = floor_div(days, 146097);
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

unsigned weekday_from_days(int64_t days) {
  // 1970-01-01 was a Thursday.
  return static_cast<unsigned>(days - floor_div(days + 4, 7) * 7 + 4);
}

// Dates and instants are written into a fixed buffer and appended at once: every
// DATETIME and TIMESTAMP value the mapping sends goes through here.
bool append_date(std::string& out, int64_t days) {
  const CivilDate date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) return false;
  char text[10];
  put_date(text, date);
  out.append(text, sizeof text);
  return true;
}

namespace {

// The date of the last instant this thread wrote: the timestamps of a stream fall on few
// days, and the civil date cost more than the rest of the text (callgrind).
struct LastDate {
  int64_t days = std::numeric_limits<int64_t>::min();
  bool in_range = false;  // years 0000-9999
  char text[10] = {};     // YYYY-MM-DD when in_range
};
thread_local LastDate last_date;

}  // namespace

bool append_utc_millis(std::string& out, int64_t micros) {
  const int64_t millis = floor_div(micros, 1000);
  const int64_t days = floor_div(millis, 86'400'000);
  const auto in_day = static_cast<uint32_t>(millis - days * 86'400'000);
  LastDate& last = last_date;
  if (last.days != days) {
    const CivilDate date = civil_from_days(days);
    last.in_range = date.year >= 0 && date.year <= 9999;
    if (last.in_range) put_date(last.text, date);
    last.days = days;
  }
  if (!last.in_range) return false;
  char text[24];  // YYYY-MM-DDTHH:MM:SS.mmmZ
  std::memcpy(text, last.text, sizeof last.text);
  char* at = text + sizeof last.text;
  *at++ = 'T';
  at = put_digits(at, in_day / 3'600'000, 2);
  *at++ = ':';
  at = put_digits(at, in_day / 60'000 % 60, 2);
  *at++ = ':';
  at = put_digits(at, in_day / 1000 % 60, 2);
  *at++ = '.';
  at = put_digits(at, in_day % 1000, 3);
  *at = 'Z';
  out.append(text, sizeof text);
  return true;
}

void append_time_of_day(std::string& out, int64_t micros) {
  uint64_t magnitude = static_cast<uint64_t>(micros);
  if (micros < 0) {
    out += '-';
    magnitude = 0 - magnitude;
  }
  const uint64_t seconds = magnitude / kMicrosPerSecond;
  const uint64_t fraction = magnitude % kMicrosPerSecond;
  append_digits(out, static_cast<int64_t>(seconds / 3600), 2);
  out += ':';
  append_digits(out, static_cast<int64_t>(seconds / 60 % 60), 2);
  out += ':';
  append_digits(out, static_cast<int64_t>(seconds % 60), 2);
  if (fraction != 0) {
    out += '.';
    append_digits(out, static_cast<int64_t>(fraction), 6);
  }
}

std::optional<int64_t> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = fixed_digits(text, 0, 4);
  auto month = fixed_digits(text, 5, 2);
  auto day = fixed_digits(text, 8, 2);
  if (!year || !month || !day || *month < 1 || *month > 12 || *day < 1) return std::nullopt;
  if (*day > days_in_month(*year, static_cast<unsigned>(*month))) return std::nullopt;
  return days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
}

std::optional<ParsedDateTime> parse_date_time(std::string_view text) {
  auto days = parse_date(text.substr(0, 10));
  if (!days) return std::nullopt;
  ParsedDateTime parsed;
  parsed.local_micros = *days * kMicrosPerDay;
  if (text.size() == 10) return parsed;
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
  size_t pos = 11;
  auto in_day = clock_time(text, pos);
  if (!in_day) return std::nullopt;
  parsed.local_micros += *in_day;
  if (pos == text.size()) return parsed;
  std::string_view rest = text.substr(pos);
  if (rest.front() == ' ') rest.remove_prefix(1);
  auto offset = zone_offset(rest);
  if (!offset) return std::nullopt;
  parsed.offset_seconds = *offset;
  return parsed;
}

std::optional<int64_t> parse_time_of_day(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 4) return std::nullopt;
  auto hours = fixed_digits(text, 0, colon);
  auto minutes = fixed_digits(text, colon + 1, 2);
  if (!hours || !minutes || *minutes > 59) return std::nullopt;
  size_t pos = colon + 3;
  int64_t seconds = 0;
  if (pos < text.size() && text[pos] == ':') {
    auto s = fixed_digits(text, pos + 1, 2);
    if (!s || *s > 59) return std::nullopt;
    seconds = *s;
    pos += 3;
  }
  const int64_t micros = fraction_micros(text, pos);
  if (pos != text.size()) return std::nullopt;
  const int64_t total = ((*hours * 60 + *minutes) * 60 + seconds) * kMicrosPerSecond + micros;
  return negative ? -total : total;
}

}  // namespace cdc::mapping
