// The zone naive timestamps are read in. GCC 12's library has no std::chrono tzdb, so
// this reads the system's compiled zone files (TZif, RFC 8536) itself.
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
