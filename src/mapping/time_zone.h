// The zone naive timestamps are read in. GCC 12's library has no std::chrono tzdb, so
// this reads the system's compiled zone files (TZif, RFC 8536) itself.
//
// Why not Howard Hinnant's date/tz (Debian libhowardhinnant-date-dev 3.0.1, measured
// 2026-12): Debian builds it with USE_OS_TZDB=1, where it reads only the transitions of
// the TZif files and ignores their POSIX TZ footer (posix_tz_rule.h). Debian's zone files
// list transitions up to 2037, so it gives Europe/Berlin +01:00 for 2038-07-01 and every
// later summer, where this code (and PostgreSQL, and glibc) gives +02:00; DATETIME and
// timestamp-without-time-zone values after 2037 would shift by an hour. For 2000-2030
// both agree on every instant tested (time_zone_test.cpp checks 2090, which date/tz
// fails), and this code converted local to UTC about 1.3 to 2 times as fast (150-310 ns
// against 240-550 ns per call, a million calls on the shared 2-core test machine).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/posix_tz_rule.h"

namespace cdc::mapping {

inline constexpr std::string_view kDefaultZoneInfoDir = "/usr/share/zoneinfo";

// Immutable once loaded; safe to share between threads.
class TimeZone {
 public:
  // "UTC", "Z", a fixed offset ("+02:00", "-0530") or an IANA name such as
  // "Europe/Berlin" read from `zoneinfo_dir`. On failure returns null and sets `error`.
  static std::shared_ptr<const TimeZone> load(
      std::string_view name, std::string& error,
      const std::filesystem::path& zoneinfo_dir = kDefaultZoneInfoDir);

  // Parses TZif bytes (version 1 to 4); null with `error` set when malformed.
  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view bytes,
                                                   std::string& error);

  const std::string& name() const { return name_; }

  // Seconds east of UTC at an instant.
  int32_t offset_at(int64_t utc_seconds) const;

  // The instant a wall-clock time in this zone denotes. As PostgreSQL does: a time that
  // falls in a gap (clocks jump forward) takes the offset before the jump, a time that
  // occurs twice (clocks fall back) takes the offset after it.
  int64_t local_to_utc_micros(int64_t local_micros) const;

 private:
  TimeZone() = default;

  std::string name_;
  int32_t fixed_offset_ = 0;          // used when there are no transitions and no rule
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_;      // offset in effect from transitions_[i] on
  int32_t initial_offset_ = 0;        // before the first transition
  std::optional<PosixTzRule> rule_;   // after the last transition
};

}  // namespace cdc::mapping
