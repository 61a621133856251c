// The text form of a value: what a template pastes in and what `type: string` sends.
// The same value always gives the same text, whichever database it came from.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

#include "core/value.h"
#include "mapping/time_zone.h"

namespace cdc::mapping {

// Appends the text form of `value`:
//   NULL -> nothing; text -> as is (not yet UTF-8 checked); bool -> true/false;
//   integers -> digits; double -> shortest round-trip form, NaN, Infinity, -Infinity;
//   decimal -> canonical with the source's scale ("-12.30"); bytes -> base64;
//   date -> YYYY-MM-DD; timestamp -> YYYY-MM-DDTHH:MM:SS.sssZ (naive ones read in `zone`);
//   infinite dates and timestamps -> infinity / -infinity; time -> HH:MM:SS[.ffffff];
//   json -> a JSON string's content, else the compact JSON text with keys sorted;
//   array -> a JSON array.
// Returns false (having appended nothing) for a date or timestamp outside years
// 0000..9999, unparsable JSON, and Unchanged.
bool append_value_text(std::string& out, const Value& value, const TimeZone& zone);

// An integer's digits, appended at once (ids, keys and most field values, on every row).
template <std::integral Integer>
void append_integer(std::string& out, Integer number) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, number).ptr);
}

// Shortest text that reads back as the same double ("0.1", "1e+20"); finite only.
void append_double(std::string& out, double value);

// RFC 4648 base64 with padding.
void append_base64(std::string& out, std::string_view bytes);

// Naive wall-clock micros -> UTC instant micros in `zone`, infinities kept.
int64_t local_to_utc(int64_t local_micros, const TimeZone& zone);

}  // namespace cdc::mapping
