// Explicit `type:` conversions of a field (mappings/README.md, "Types"). A value that
// does not convert is a value error for its row: the call is rejected, never guessed.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/value.h"
#include "mapping/text_transform.h"
#include "mapping/write_context.h"

namespace cdc::mapping {

enum class FieldType { kAuto, kString, kNumber, kBoolean, kDate, kDateTime, kArray, kJson };

std::optional<FieldType> parse_field_type(std::string_view name);
const char* to_string(FieldType type);

// Writes non-NULL `value` converted to `type` (string, number, boolean, date, date_time or
// array). Text that is empty after trimming converts to null for number, boolean, date
// and date_time. False with ctx.error when the value does not convert.
bool append_typed_json(std::string& out, const Value& value, FieldType type,
                       std::span<const Transform> transforms, WriteContext& ctx);

// The JSON document of a json or text value (`type: json`, or a json column without a
// type); nullopt with ctx.error when the text is not JSON or the value has no document.
std::optional<nlohmann::json> json_document_of(const Value& value, WriteContext& ctx);

}  // namespace cdc::mapping
