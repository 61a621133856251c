// Settings that apply to every mapping file unless the file overrides them (the
// connector config's `mapping_defaults`).
#pragma once

#include <string>

namespace cdc::mapping {

// What happens to a string value longer than Retainly's 1000 characters.
enum class StringPolicy {
  kTruncate,    // cut to the first 1000 code points
  kDeadLetter,  // the call is not sent; the change becomes a Rejection
};

struct MappingOptions {
  // Zone in which naive timestamps (timestamp without time zone, DATETIME) are read:
  // "UTC", a fixed offset ("+02:00") or an IANA name ("Europe/Berlin").
  std::string timezone = "UTC";
  StringPolicy string_policy = StringPolicy::kTruncate;
  // Decimals always as JSON strings, instead of numbers when they fit 15 digits.
  bool decimal_as_string = false;
  // The event data field that carries the event's stable key; "none" disables it.
  std::string event_key_field = "event_key";
  // `send: changed` (true): leave out of calls what Retainly already holds; `send: all`.
  bool send_changed = true;
};

}  // namespace cdc::mapping
