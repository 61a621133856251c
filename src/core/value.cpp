#include "core/value.h"

#include <cstdio>

namespace cdc {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

struct DebugPrinter {
  std::string operator()(Null) const { return "NULL"; }
  std::string operator()(Unchanged) const { return "<unchanged>"; }
  std::string operator()(bool b) const { return b ? "true" : "false"; }
  std::string operator()(int64_t i) const { return std::to_string(i); }
  std::string operator()(uint64_t u) const { return std::to_string(u) + "u"; }
  std::string operator()(double d) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  std::string operator()(const Decimal& d) const { return "decimal " + d.text; }
  std::string operator()(const std::string& s) const { return quoted(s); }
  std::string operator()(const Bytes& b) const {
    return "bytes[" + std::to_string(b.data.size()) + "]";
  }
  std::string operator()(Date d) const { return "date " + std::to_string(d.days); }
  std::string operator()(Timestamp t) const { return "timestamptz " + std::to_string(t.micros); }
  std::string operator()(LocalTimestamp t) const { return "timestamp " + std::to_string(t.micros); }
  std::string operator()(TimeOfDay t) const { return "time " + std::to_string(t.micros); }
  std::string operator()(const Json& j) const { return "json " + j.text; }
  std::string operator()(const ValueArray& a) const {
    std::string out = "{";
    for (size_t i = 0; i < a.size(); ++i) {
      if (i > 0) out += ", ";
      out += a[i].debug_string();
    }
    return out + "}";
  }
};

}  // namespace

std::string Value::debug_string() const { return std::visit(DebugPrinter{}, storage_); }

size_t held_bytes(const Value& value) {
  return std::visit(
      [](const auto& v) -> size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v.capacity();
        } else if constexpr (std::is_same_v<T, Decimal> || std::is_same_v<T, Json>) {
          return v.text.capacity();
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return v.data.capacity();
        } else if constexpr (std::is_same_v<T, ValueArray>) {
          return v.capacity() * sizeof(Value);  // members hold little (SET, VECTOR)
        } else {
          return 0;
        }
      },
      value.storage());
}

}  // namespace cdc
