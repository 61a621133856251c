#include "mapping/json_document.h"

#include "mapping/retainly_limits.h"
#include "mapping/utf8_text.h"
#include "mapping/value_json.h"

namespace cdc::mapping {
namespace {

using nlohmann::json;

bool refuse(WriteContext& ctx, const std::string& path, std::string_view what) {
  ctx.error = "json value";
  if (!path.empty()) ctx.error += " at " + path;
  ctx.error += ": ";
  ctx.error += what;
  return false;
}

bool check_array(const json& array, bool nested, const std::string& path, WriteContext& ctx);

bool check_object_in_array(const json& object, bool inside_nested, const std::string& path,
                           WriteContext& ctx) {
  for (const auto& [key, value] : object.items()) {
    const std::string here = path + "." + key;
    if (value.is_object()) {
      return refuse(ctx, here,
                    "Retainly refuses objects as attribute values (send the field as: "
                    "string, or flatten it)");
    }
    if (value.is_array()) {
      if (inside_nested) {
        return refuse(ctx, here, "arrays nest deeper than the one layer Retainly allows");
      }
      if (!check_array(value, /*nested=*/true, here, ctx)) return false;
    }
  }
  return true;
}

// Mirrors the API text: an array holds scalars and objects; `nested` says it already is
// the one allowed inner layer, so its objects may hold no arrays.
bool check_array(const json& array, bool nested, const std::string& path, WriteContext& ctx) {
  size_t index = 0;
  for (const json& item : array) {
    const std::string here = path + "[" + std::to_string(index++) + "]";
    if (item.is_array()) {
      return refuse(ctx, here, "Retainly refuses arrays directly inside arrays");
    }
    if (item.is_object() && !check_object_in_array(item, nested, here, ctx)) return false;
  }
  return true;
}

bool limit_string(std::string& text, WriteContext& ctx) {
  if (text.size() <= kMaxStringChars) return true;
  const size_t chars = count_code_points(text);
  if (chars <= kMaxStringChars) return true;
  if (ctx.string_policy == StringPolicy::kDeadLetter) {
    ctx.error = "a string inside a json value has " + std::to_string(chars) +
                " characters; Retainly allows 1000 (string_policy: dead_letter)";
    return false;
  }
  text.resize(code_point_prefix_bytes(text, kMaxStringChars));
  return true;
}

}  // namespace

std::optional<json> parse_json_text(std::string_view text, WriteContext& ctx) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    ctx.error = "the json value is not valid JSON";
    return std::nullopt;
  }
  return doc;
}

bool limit_strings(json& doc, WriteContext& ctx) {
  if (doc.is_string()) return limit_string(doc.get_ref<std::string&>(), ctx);
  if (doc.is_array() || doc.is_object()) {
    for (auto& item : doc) {
      if (!limit_strings(item, ctx)) return false;
    }
  }
  return true;
}

bool check_shape(const json& value, WriteContext& ctx) {
  if (value.is_object()) {
    return refuse(ctx, "", "Retainly refuses objects as attribute values");
  }
  if (!value.is_array()) return true;
  return check_array(value, ctx.placement == Placement::kArrayItem, "", ctx);
}

bool check_array_object(const json& object, WriteContext& ctx) {
  return check_object_in_array(object, ctx.placement == Placement::kArrayItem, "", ctx);
}

bool append_json_value(std::string& out, json& value, std::span<const Transform> transforms,
                       WriteContext& ctx) {
  if (value.is_string()) {
    return append_text_json(out, value.get_ref<const std::string&>(), transforms, ctx);
  }
  if (value.is_array()) {
    if (!limit_strings(value, ctx) || !check_shape(value, ctx)) return false;
  } else if (value.is_object()) {
    return check_shape(value, ctx);
  }
  out += compact_json(value);
  return true;
}

bool flatten_object(json& object, std::string_view prefix, WriteContext& ctx,
                    std::vector<retainly::Attribute>& out) {
  for (auto& [key, value] : object.items()) {
    std::string name(prefix);
    if (!name.empty()) name += '_';
    name += key;
    if (value.is_object()) {
      if (!flatten_object(value, name, ctx, out)) return false;
      continue;
    }
    retainly::Attribute attribute{std::move(name), {}};
    if (!append_json_value(attribute.json, value, {}, ctx)) return false;
    out.push_back(std::move(attribute));
  }
  return true;
}

std::string compact_json(const json& doc) {
  return doc.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace cdc::mapping
