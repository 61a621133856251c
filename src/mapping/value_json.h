// The default conversion of a value to Retainly JSON (PRODUCT.md, "Types"), written into
// the caller's buffer. Json documents are json_document.h's job.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/value.h"
#include "mapping/text_transform.h"
#include "mapping/write_context.h"

namespace cdc::mapping {

// A JSON string of `raw`: ill-formed UTF-8 replaced by U+FFFD, `transforms` applied,
// then more than 1000 code points cut (kTruncate) or refused (kDeadLetter: returns false
// with ctx.error set).
bool append_text_json(std::string& out, std::string_view raw, std::span<const Transform> transforms,
                      WriteContext& ctx);

// Decimal text as a number when it fits a double exactly enough (decimal_text.h,
// fits_double) and ctx.decimal_as_string is off, else as a string keeping the source's
// scale; NaN and infinities -> null. `force_number` (explicit `type: number`) always
// writes a number.
void append_decimal_json(std::string& out, const Decimal& value, bool force_number,
                         const WriteContext& ctx);

// The default JSON of any value but Json and Unchanged:
//   NULL -> null; bool; integers exact; double shortest, NaN/Infinity -> null;
//   text -> string; bytes -> base64 string; date -> "YYYY-MM-DD"; timestamps ->
//   "YYYY-MM-DDTHH:MM:SS.sssZ" (naive ones read in ctx.zone); infinite dates and
//   timestamps -> null; time -> "HH:MM:SS[.ffffff]"; array -> array of these, with json
//   elements checked against ctx.placement.
// `transforms` apply to values written as strings. Returns false with ctx.error set for a
// date outside years 0000..9999, a string over the limit under kDeadLetter, or an array
// Retainly would refuse.
bool append_default_json(std::string& out, const Value& value,
                         std::span<const Transform> transforms, WriteContext& ctx);

}  // namespace cdc::mapping
