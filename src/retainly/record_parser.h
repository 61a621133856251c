// Reads back a record written by append_record(), to resend a dead letter after a fix.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "retainly/call.h"

namespace cdc::retainly {

// The call that `record` (JSON text, as append_record() wrote it for `kind`) stands for,
// or nullopt with `error` saying what is wrong. Attribute values come back as compact
// JSON with their order kept; numbers keep their value, not necessarily their spelling.
std::optional<Call> parse_record(CallKind kind, std::string_view record, std::string& error);

}  // namespace cdc::retainly
