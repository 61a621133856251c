// JSON documents from json/jsonb/MySQL JSON columns on their way to Retainly, which
// refuses objects as attribute values and limits how deep arrays nest. Documents are
// re-serialized with sorted keys and no spaces, so the same document gives the same
// bytes whichever database (and key order) it came from.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/text_transform.h"
#include "mapping/write_context.h"
#include "retainly/call.h"

namespace cdc::mapping {

// nullopt with ctx.error set when `text` is not JSON.
std::optional<nlohmann::json> parse_json_text(std::string_view text, WriteContext& ctx);

// Applies the string policy to every string value inside `doc` (object keys are names,
// not values, and are left alone). False with ctx.error under kDeadLetter.
bool limit_strings(nlohmann::json& doc, WriteContext& ctx);

// Retainly's shape rules for `value` sent at ctx.placement: no object as the value, arrays
// of scalars and objects, and objects inside arrays holding scalars or (at the attribute
// level only) one more layer of arrays. False with ctx.error naming the path.
bool check_shape(const nlohmann::json& value, WriteContext& ctx);

// An object that sits inside an array sent at ctx.placement (a json element of a SQL
// array): its values are scalars, or arrays when the placement leaves a layer for them.
bool check_array_object(const nlohmann::json& object, WriteContext& ctx);

// Writes a non-object value: strings through append_text_json (transforms apply), arrays
// after limit_strings and check_shape, other scalars as they are.
bool append_json_value(std::string& out, nlohmann::json& value,
                       std::span<const Transform> transforms, WriteContext& ctx);

// Flattens an object into attributes named "<prefix>_<key>" (nested objects continue
// the name: "<prefix>_<key>_<subkey>"; an empty prefix starts with the key). Values are
// written as append_json_value writes them. False with ctx.error on the first refusal.
bool flatten_object(nlohmann::json& object, std::string_view prefix, WriteContext& ctx,
                    std::vector<retainly::Attribute>& out);

// The compact JSON text with sorted keys.
std::string compact_json(const nlohmann::json& doc);

}  // namespace cdc::mapping
