// Proleptic Gregorian calendar arithmetic and the text forms Retainly accepts for dates
// ("YYYY-MM-DD") and instants ("YYYY-MM-DDTHH:MM:SS.sssZ"). Pure integer math, no
// locale, no zone database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cdc::mapping {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

// Rounds toward negative infinity, so instants before 1970 land on the right day.
constexpr int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(int64_t days);
unsigned days_in_month(int64_t year, unsigned month);
// 0 = Sunday .. 6 = Saturday.
unsigned weekday_from_days(int64_t days);

// Retainly dates and instants have four-digit years: these write nothing and return
// false for years outside 0000..9999.
bool append_date(std::string& out, int64_t days);
// Milliseconds truncated (toward the past), always in UTC with a "Z".
bool append_utc_millis(std::string& out, int64_t micros);

// "HH:MM:SS" or "HH:MM:SS.ffffff" when there are microseconds; negative durations get a
// leading '-', hours past 24 are kept ("838:59:59").
void append_time_of_day(std::string& out, int64_t micros);

// "YYYY-MM-DD" -> days since 1970-01-01; nullopt when malformed or not a real date.
std::optional<int64_t> parse_date(std::string_view text);

// ISO 8601 / SQL date-time text: "YYYY-MM-DD", "YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]",
// optionally followed by "Z" or an offset "+HH[:MM]" / "-HHMM". Fractions beyond
// microseconds are truncated.
struct ParsedDateTime {
  int64_t local_micros = 0;               // wall-clock micros since 1970-01-01T00:00
  std::optional<int32_t> offset_seconds;  // set when the text carried Z or an offset
};
std::optional<ParsedDateTime> parse_date_time(std::string_view text);

// "[-]HH:MM[:SS[.fraction]]" -> microseconds (hours may exceed 24).
std::optional<int64_t> parse_time_of_day(std::string_view text);

}  // namespace cdc::mapping
