#include "mapping/type_conversion.h"

#include <array>
#include <cmath>
#include <cstdlib>

#include "mapping/civil_time.h"
#include "mapping/decimal_text.h"
#include "mapping/json_document.h"
#include "mapping/value_json.h"
#include "mapping/value_text.h"

namespace cdc::mapping {
namespace {

std::string_view trimmed(std::string_view s) {
  static constexpr std::string_view kSpace = " \t\n\v\f\r";
  const size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

bool refuse(WriteContext& ctx, const Value& value, const char* type) {
  std::string shown = value.debug_string();
  if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
  ctx.error = shown + " does not convert to " + type;
  return false;
}

// The text of a string value or of a json string scalar; nullptr otherwise.
const std::string* text_of(const Value& value, std::optional<nlohmann::json>& doc,
                           WriteContext& ctx) {
  if (const auto* s = value.get_if<std::string>()) return s;
  if (const auto* j = value.get_if<Json>()) {
    doc = parse_json_text(j->text, ctx);
    if (doc && doc->is_string()) return &doc->get_ref<const std::string&>();
  }
  return nullptr;
}

bool append_number(std::string& out, const Value& value, WriteContext& ctx) {
  if (const auto* b = value.get_if<bool>()) {
    out += *b ? '1' : '0';
    return true;
  }
  if (value.is<int64_t>() || value.is<uint64_t>() || value.is<double>()) {
    return append_default_json(out, value, {}, ctx);
  }
  if (const auto* d = value.get_if<Decimal>()) {
    append_decimal_json(out, *d, /*force_number=*/true, ctx);
    return true;
  }
  std::optional<nlohmann::json> doc;
  if (const auto* j = value.get_if<Json>()) {
    doc = parse_json_text(j->text, ctx);
    if (!doc) return false;
    if (doc->is_number()) {
      out += compact_json(*doc);
      return true;
    }
  }
  const std::string* raw = text_of(value, doc, ctx);
  if (raw == nullptr) return refuse(ctx, value, "number");
  const std::string_view text = trimmed(*raw);
  if (text.empty()) {
    out += "null";
    return true;
  }
  if (auto parts = parse_decimal(text)) {
    append_decimal_number(out, *parts);
    return true;
  }
  // Exponent forms ("1.5e3") go through double: JSON numbers, but not exact decimals.
  const std::string copy(text);
  char* end = nullptr;
  const double parsed = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(parsed) ||
      copy.find_first_of("xXnN") != std::string::npos) {
    return refuse(ctx, value, "number");
  }
  append_double(out, parsed);
  return true;
}

bool append_boolean(std::string& out, const Value& value, WriteContext& ctx) {
  if (const auto* b = value.get_if<bool>()) {
    out += *b ? "true" : "false";
    return true;
  }
  if (const auto* i = value.get_if<int64_t>()) {
    out += *i != 0 ? "true" : "false";
    return true;
  }
  if (const auto* u = value.get_if<uint64_t>()) {
    out += *u != 0 ? "true" : "false";
    return true;
  }
  if (const auto* d = value.get_if<Decimal>()) {
    auto parts = parse_decimal(d->text);
    if (!parts) return refuse(ctx, value, "boolean");
    out += parts->is_zero() ? "false" : "true";
    return true;
  }
  if (const auto* d = value.get_if<double>()) {
    if (std::isnan(*d)) return refuse(ctx, value, "boolean");
    out += *d != 0.0 ? "true" : "false";
    return true;
  }
  std::optional<nlohmann::json> doc;
  if (const auto* j = value.get_if<Json>()) {
    doc = parse_json_text(j->text, ctx);
    if (!doc) return false;
    if (doc->is_boolean()) {
      out += doc->get<bool>() ? "true" : "false";
      return true;
    }
  }
  const std::string* raw = text_of(value, doc, ctx);
  if (raw == nullptr) return refuse(ctx, value, "boolean");
  std::string text(trimmed(*raw));
  apply_transforms(text, std::array{Transform::kLower});
  if (text.empty()) {
    out += "null";
  } else if (text == "true" || text == "t" || text == "yes" || text == "y" || text == "on" ||
             text == "1") {
    out += "true";
  } else if (text == "false" || text == "f" || text == "no" || text == "n" || text == "off" ||
             text == "0") {
    out += "false";
  } else {
    return refuse(ctx, value, "boolean");
  }
  return true;
}

bool append_quoted_date(std::string& out, int64_t days, const Value& value, WriteContext& ctx) {
  out += '"';
  if (!append_date(out, days)) {
    out.pop_back();
    ctx.error = value.debug_string() + " is outside the years 0000-9999 Retainly dates can hold";
    return false;
  }
  out += '"';
  return true;
}

bool append_date_value(std::string& out, const Value& value, WriteContext& ctx) {
  if (value.is<Date>()) return append_default_json(out, value, {}, ctx);
  int64_t micros = 0;
  if (const auto* t = value.get_if<Timestamp>()) {
    micros = t->micros;
  } else if (const auto* l = value.get_if<LocalTimestamp>()) {
    micros = l->micros;  // the wall-clock date as written
  } else {
    std::optional<nlohmann::json> doc;
    const std::string* raw = text_of(value, doc, ctx);
    if (raw == nullptr) return refuse(ctx, value, "date");
    const std::string_view text = trimmed(*raw);
    if (text.empty()) {
      out += "null";
      return true;
    }
    auto parsed = parse_date_time(text);
    if (!parsed) return refuse(ctx, value, "date");
    return append_quoted_date(out, floor_div(parsed->local_micros, kMicrosPerDay), value, ctx);
  }
  if (micros == Timestamp::kInfinity || micros == Timestamp::kMinusInfinity) {
    out += "null";
    return true;
  }
  return append_quoted_date(out, floor_div(micros, kMicrosPerDay), value, ctx);
}

bool append_date_time(std::string& out, const Value& value, WriteContext& ctx) {
  if (value.is<Timestamp>() || value.is<LocalTimestamp>()) {
    return append_default_json(out, value, {}, ctx);
  }
  int64_t local = 0;
  std::optional<int32_t> offset;
  if (const auto* d = value.get_if<Date>()) {
    if (d->days == Date::kInfinity || d->days == Date::kMinusInfinity) {
      out += "null";
      return true;
    }
    local = int64_t{d->days} * kMicrosPerDay;
  } else {
    std::optional<nlohmann::json> doc;
    const std::string* raw = text_of(value, doc, ctx);
    if (raw == nullptr) return refuse(ctx, value, "date_time");
    const std::string_view text = trimmed(*raw);
    if (text.empty()) {
      out += "null";
      return true;
    }
    auto parsed = parse_date_time(text);
    if (!parsed) return refuse(ctx, value, "date_time");
    local = parsed->local_micros;
    offset = parsed->offset_seconds;
  }
  const int64_t utc =
      offset ? local - int64_t{*offset} * kMicrosPerSecond : ctx.zone->local_to_utc_micros(local);
  return append_default_json(out, Value(Timestamp{utc}), {}, ctx);
}

bool append_array(std::string& out, const Value& value, std::span<const Transform> transforms,
                  WriteContext& ctx) {
  if (value.is<ValueArray>()) return append_default_json(out, value, transforms, ctx);
  if (!value.is<Json>() && !value.is<std::string>()) return refuse(ctx, value, "array");
  auto doc = json_document_of(value, ctx);
  if (!doc) return false;
  if (!doc->is_array()) return refuse(ctx, value, "array");
  return append_json_value(out, *doc, transforms, ctx);
}

}  // namespace

std::optional<FieldType> parse_field_type(std::string_view name) {
  for (FieldType type :
       {FieldType::kString, FieldType::kNumber, FieldType::kBoolean, FieldType::kDate,
        FieldType::kDateTime, FieldType::kArray, FieldType::kJson}) {
    if (name == to_string(type)) return type;
  }
  return std::nullopt;
}

const char* to_string(FieldType type) {
  switch (type) {
    case FieldType::kAuto:
      return "auto";
    case FieldType::kString:
      return "string";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDate:
      return "date";
    case FieldType::kDateTime:
      return "date_time";
    case FieldType::kArray:
      return "array";
    case FieldType::kJson:
      return "json";
  }
  return "auto";
}

bool append_typed_json(std::string& out, const Value& value, FieldType type,
                       std::span<const Transform> transforms, WriteContext& ctx) {
  switch (type) {
    case FieldType::kString:
      ctx.text.clear();
      if (!append_value_text(ctx.text, value, *ctx.zone)) return refuse(ctx, value, "string");
      return append_text_json(out, ctx.text, transforms, ctx);
    case FieldType::kNumber:
      return append_number(out, value, ctx);
    case FieldType::kBoolean:
      return append_boolean(out, value, ctx);
    case FieldType::kDate:
      return append_date_value(out, value, ctx);
    case FieldType::kDateTime:
      return append_date_time(out, value, ctx);
    case FieldType::kArray:
      return append_array(out, value, transforms, ctx);
    case FieldType::kAuto:
    case FieldType::kJson:
      break;
  }
  return append_default_json(out, value, transforms, ctx);
}

std::optional<nlohmann::json> json_document_of(const Value& value, WriteContext& ctx) {
  if (const auto* j = value.get_if<Json>()) return parse_json_text(j->text, ctx);
  if (const auto* s = value.get_if<std::string>()) return parse_json_text(*s, ctx);
  refuse(ctx, value, "json");
  return std::nullopt;
}

}  // namespace cdc::mapping
