// PostgreSQL's text forms of dates and times under DateStyle=ISO (PostgreSQL docs,
// "Date/Time Output"): "2024-02-29", "0044-03-15 BC", "2024-02-29 13:14:15.123456+05:30",
// "infinity". Pure and allocation free; each parser answers nullopt for text that is not
// in the form or out of the target type's range, and the caller reports it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/value.h"

namespace cdc::pg {

// Days from 1970-01-01 to year-month-day of the proleptic Gregorian calendar, with
// astronomical years: year 0 is 1 BC, year -43 is 44 BC. REQUIRES: 1 <= month <= 12.
constexpr int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  // Count from 0000-03-01 so the leap day ends a year; 400-year eras of 146097 days.
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t month_from_march = (month + 9) % 12;
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: 0000-03-01 .. 1970-01-01
}

// "YYYY-MM-DD[ BC]", "infinity", "-infinity" (Date::kInfinity / kMinusInfinity).
std::optional<Date> parse_pg_date(std::string_view text);

// "YYYY-MM-DD HH:MM:SS[.ffffff][ BC]", "infinity", "-infinity".
std::optional<LocalTimestamp> parse_pg_timestamp(std::string_view text);

// "YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM[:SS]][ BC]" (or -HH...), converted to UTC;
// "infinity" and "-infinity" map to Timestamp::kInfinity / kMinusInfinity.
std::optional<Timestamp> parse_pg_timestamptz(std::string_view text);

// "HH:MM:SS[.ffffff]", up to "24:00:00".
std::optional<TimeOfDay> parse_pg_time(std::string_view text);

}  // namespace cdc::pg
