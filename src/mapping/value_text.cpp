#include "mapping/value_text.h"

#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_string.h"
#include "mapping/civil_time.h"
#include "mapping/decimal_text.h"

namespace cdc::mapping {
namespace {

bool append_timestamp_text(std::string& out, int64_t micros) {
  if (micros == Timestamp::kInfinity) {
    out += "infinity";
    return true;
  }
  if (micros == Timestamp::kMinusInfinity) {
    out += "-infinity";
    return true;
  }
  return append_utc_millis(out, micros);
}

// Elements of an array as JSON: text and other non-numbers quoted.
bool append_array_text(std::string& out, const ValueArray& items, const TimeZone& zone) {
  out += '[';
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    const Value& item = items[i];
    if (item.is_null()) {
      out += "null";
    } else if (item.is<bool>() || item.is<int64_t>() || item.is<uint64_t>()) {
      if (!append_value_text(out, item, zone)) return false;
    } else if (const auto* d = item.get_if<double>(); d != nullptr && std::isfinite(*d)) {
      append_double(out, *d);
    } else if (item.is<ValueArray>()) {
      if (!append_array_text(out, item.as<ValueArray>(), zone)) return false;
    } else {
      text.clear();
      if (!append_value_text(text, item, zone)) return false;
      append_json_string(out, text);
    }
  }
  out += ']';
  return true;
}

}  // namespace

void append_double(std::string& out, double value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = byte(i) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = byte(i) << 16 | byte(i + 1) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

int64_t local_to_utc(int64_t local_micros, const TimeZone& zone) {
  if (local_micros == LocalTimestamp::kInfinity || local_micros == LocalTimestamp::kMinusInfinity) {
    return local_micros;
  }
  return zone.local_to_utc_micros(local_micros);
}

bool append_value_text(std::string& out, const Value& value, const TimeZone& zone) {
  const size_t mark = out.size();
  const bool ok = std::visit(
      [&](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          return true;
        } else if constexpr (std::is_same_v<T, Unchanged>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
          return true;
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
          append_integer(out, v);
          return true;
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(v)) {
            out += "NaN";
          } else if (std::isinf(v)) {
            out += v > 0 ? "Infinity" : "-Infinity";
          } else {
            append_double(out, v);
          }
          return true;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          if (auto parts = parse_decimal(v.text)) {
            append_decimal_with_scale(out, *parts);
          } else {
            out += v.text;  // NaN, Infinity, -Infinity as the source spelled them
          }
          return true;
        } else if constexpr (std::is_same_v<T, std::string>) {
          out += v;
          return true;
        } else if constexpr (std::is_same_v<T, Bytes>) {
          append_base64(out, v.data);
          return true;
        } else if constexpr (std::is_same_v<T, Date>) {
          if (v.days == Date::kInfinity) {
            out += "infinity";
            return true;
          }
          if (v.days == Date::kMinusInfinity) {
            out += "-infinity";
            return true;
          }
          return append_date(out, v.days);
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          return append_timestamp_text(out, v.micros);
        } else if constexpr (std::is_same_v<T, LocalTimestamp>) {
          return append_timestamp_text(out, local_to_utc(v.micros, zone));
        } else if constexpr (std::is_same_v<T, TimeOfDay>) {
          append_time_of_day(out, v.micros);
          return true;
        } else if constexpr (std::is_same_v<T, Json>) {
          auto doc = nlohmann::json::parse(v.text, nullptr, /*allow_exceptions=*/false);
          if (doc.is_discarded()) return false;
          if (doc.is_string()) {
            out += doc.template get_ref<const std::string&>();
          } else {
            out += doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
          }
          return true;
        } else {
          static_assert(std::is_same_v<T, ValueArray>);
          return append_array_text(out, v, zone);
        }
      },
      value.storage());
  if (!ok) out.resize(mark);
  return ok;
}

}  // namespace cdc::mapping
