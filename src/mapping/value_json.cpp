#include "mapping/value_json.h"

#include <cmath>

#include "core/json_string.h"
#include "mapping/civil_time.h"
#include "mapping/decimal_text.h"
#include "mapping/json_document.h"
#include "mapping/retainly_limits.h"
#include "mapping/utf8_text.h"
#include "mapping/value_text.h"

namespace cdc::mapping {
namespace {

bool out_of_range(WriteContext& ctx, const Value& value) {
  ctx.error = value.debug_string() + " is outside the years 0000-9999 Retainly dates can hold";
  return false;
}

bool append_timestamp_json(std::string& out, int64_t utc_micros, const Value& source,
                           WriteContext& ctx) {
  if (utc_micros == Timestamp::kInfinity || utc_micros == Timestamp::kMinusInfinity) {
    out += "null";
    return true;
  }
  out += '"';
  if (!append_utc_millis(out, utc_micros)) {
    out.pop_back();
    return out_of_range(ctx, source);
  }
  out += '"';
  return true;
}

bool append_array_json(std::string& out, const ValueArray& items,
                       std::span<const Transform> transforms, WriteContext& ctx) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    const Value& item = items[i];
    if (item.is<ValueArray>()) {
      ctx.error = "a multi-dimensional array: Retainly refuses arrays directly inside arrays";
      return false;
    }
    if (const auto* doc_text = item.get_if<Json>()) {
      auto doc = parse_json_text(doc_text->text, ctx);
      if (!doc) return false;
      if (doc->is_array()) {
        ctx.error = "a json array inside an array: Retainly refuses arrays directly inside arrays";
        return false;
      }
      if (doc->is_object()) {
        if (!limit_strings(*doc, ctx) || !check_array_object(*doc, ctx)) return false;
        out += compact_json(*doc);
        continue;
      }
      if (!append_json_value(out, *doc, transforms, ctx)) return false;
      continue;
    }
    if (!append_default_json(out, item, transforms, ctx)) return false;
  }
  out += ']';
  return true;
}

}  // namespace

bool append_text_json(std::string& out, std::string_view raw, std::span<const Transform> transforms,
                      WriteContext& ctx) {
  if (transforms.empty() && raw.size() <= kMaxStringChars) {
    // Most text is plain ASCII: valid, and nothing to escape, seen in one pass.
    if (append_plain_ascii_json_string(out, raw)) return true;
    if (is_valid_utf8(raw)) {
      append_json_string(out, raw);
      return true;
    }
  }
  std::string text;
  text.reserve(raw.size());
  append_valid_utf8(text, raw);
  apply_transforms(text, transforms);
  if (text.size() > kMaxStringChars) {
    const size_t chars = count_code_points(text);
    if (chars > kMaxStringChars) {
      if (ctx.string_policy == StringPolicy::kDeadLetter) {
        ctx.error = "a string of " + std::to_string(chars) +
                    " characters; Retainly allows 1000 (string_policy: dead_letter)";
        return false;
      }
      text.resize(code_point_prefix_bytes(text, kMaxStringChars));
    }
  }
  append_json_string(out, text);
  return true;
}

void append_decimal_json(std::string& out, const Decimal& value, bool force_number,
                         const WriteContext& ctx) {
  auto parts = parse_decimal(value.text);
  if (!parts) {
    out += "null";  // NaN, Infinity: JSON has no such numbers
    return;
  }
  if (force_number || (!ctx.decimal_as_string && fits_double(*parts))) {
    append_decimal_number(out, *parts);
    return;
  }
  out += '"';
  append_decimal_with_scale(out, *parts);
  out += '"';
}

bool append_default_json(std::string& out, const Value& value,
                         std::span<const Transform> transforms, WriteContext& ctx) {
  return std::visit(
      [&](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          out += "null";
          return true;
        } else if constexpr (std::is_same_v<T, Unchanged>) {
          ctx.error = "an unchanged value has no JSON form";
          return false;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                             std::is_same_v<T, uint64_t>) {
          return append_value_text(out, value, *ctx.zone);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isfinite(v)) {
            append_double(out, v);
          } else {
            out += "null";
          }
          return true;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          append_decimal_json(out, v, /*force_number=*/false, ctx);
          return true;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return append_text_json(out, v, transforms, ctx);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          ctx.text.clear();
          append_base64(ctx.text, v.data);
          return append_text_json(out, ctx.text, transforms, ctx);
        } else if constexpr (std::is_same_v<T, Date>) {
          if (v.days == Date::kInfinity || v.days == Date::kMinusInfinity) {
            out += "null";
            return true;
          }
          out += '"';
          if (!append_date(out, v.days)) {
            out.pop_back();
            return out_of_range(ctx, value);
          }
          out += '"';
          return true;
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return append_timestamp_json(out, v.micros, value, ctx);
        } else if constexpr (std::is_same_v<T, LocalTimestamp>) {
          return append_timestamp_json(out, local_to_utc(v.micros, *ctx.zone), value, ctx);
        } else if constexpr (std::is_same_v<T, TimeOfDay>) {
          out += '"';
          append_time_of_day(out, v.micros);
          out += '"';
          return true;
        } else if constexpr (std::is_same_v<T, Json>) {
          auto doc = parse_json_text(v.text, ctx);
          if (!doc) return false;
          return append_json_value(out, *doc, transforms, ctx);
        } else {
          static_assert(std::is_same_v<T, ValueArray>);
          return append_array_json(out, v, transforms, ctx);
        }
      },
      value.storage());
}

}  // namespace cdc::mapping
