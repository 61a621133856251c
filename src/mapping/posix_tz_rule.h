// The POSIX TZ string at the end of a TZif file ("CET-1CEST,M3.5.0,M10.5.0/3"), which
// gives the zone's offsets for instants after the file's last transition (RFC 8536,
// section 3.3; POSIX.1-2017, section 8.3, with the RFC's extension of hours to +-167).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cdc::mapping {

class PosixTzRule {
 public:
  // nullopt when `text` does not follow the grammar.
  static std::optional<PosixTzRule> parse(std::string_view text);

  // Seconds east of UTC in effect at `utc_seconds`.
  int32_t offset_at(int64_t utc_seconds) const;

 private:
  // A transition date: Jn (n = 1..365, February 29 never counted), n (0..365, counted)
  // or Mm.w.d (day d of week w of month m, w = 5 meaning the last).
  struct DateRule {
    enum class Kind { kJulianNoLeap, kJulianZero, kMonthWeekDay } kind = Kind::kMonthWeekDay;
    int day = 0;
    int week = 0;
    int month = 0;
    int32_t time_seconds = 7200;  // local time of day of the change, default 02:00
  };

  // Days since 1970-01-01 of the rule's date in `year`.
  static int64_t day_of(const DateRule& rule, int64_t year);

  int32_t std_offset_ = 0;  // seconds east of UTC
  bool has_dst_ = false;
  int32_t dst_offset_ = 0;
  DateRule start_;  // reached in standard time
  DateRule end_;    // reached in daylight time
};

}  // namespace cdc::mapping
