// The typed value of one column in one row image, as every reader produces it.
// Readers convert their wire formats into these; the mapping converts these into
// Retainly JSON. No reader-specific or Retainly-specific knowledge lives here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cdc {

// SQL NULL.
struct Null {
  friend bool operator==(Null, Null) = default;
};

// The source did not send this column's value: PostgreSQL's unchanged TOAST datum, a
// column outside a MySQL MINIMAL/NOBLOB image, or a non-key column of an old-key image.
// Never the same as NULL: the mapping must leave the field alone.
struct Unchanged {
  friend bool operator==(Unchanged, Unchanged) = default;
};

// Exact decimal text as the source printed it ("-12.3400", "NaN", "Infinity").
struct Decimal {
  std::string text;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};

// A binary string (bytea, BLOB, BINARY): raw bytes.
struct Bytes {
  std::string data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

// A calendar date as days since 1970-01-01, proleptic Gregorian.
struct Date {
  static constexpr int32_t kInfinity = std::numeric_limits<int32_t>::max();
  static constexpr int32_t kMinusInfinity = std::numeric_limits<int32_t>::min();
  int32_t days = 0;
  friend bool operator==(Date, Date) = default;
};

// An instant: microseconds since 1970-01-01T00:00:00Z (timestamptz, MySQL TIMESTAMP).
struct Timestamp {
  static constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();
  static constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();
  int64_t micros = 0;
  friend bool operator==(Timestamp, Timestamp) = default;
};

// A wall-clock time without zone (timestamp without time zone, MySQL DATETIME):
// microseconds since 1970-01-01T00:00:00 in an unknown zone. The mapping reads it in
// the configured zone.
struct LocalTimestamp {
  static constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();
  static constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();
  int64_t micros = 0;
  friend bool operator==(LocalTimestamp, LocalTimestamp) = default;
};

// A time of day or duration in microseconds (SQL TIME; MySQL TIME may be negative or
// exceed 24 hours).
struct TimeOfDay {
  int64_t micros = 0;
  friend bool operator==(TimeOfDay, TimeOfDay) = default;
};

// A JSON document as compact or source-formatted JSON text (json, jsonb, MySQL JSON).
struct Json {
  std::string text;
  friend bool operator==(const Json&, const Json&) = default;
};

class Value;
using ValueArray = std::vector<Value>;

// One column value. Integers keep all 64 bits, signed or unsigned. Text-like values,
// uuid and enum are std::string; a MySQL SET is a ValueArray of its members.
class Value {
 public:
  using Storage =
      std::variant<Null, Unchanged, bool, int64_t, uint64_t, double, Decimal, std::string, Bytes,
                   Date, Timestamp, LocalTimestamp, TimeOfDay, Json, ValueArray>;

  Value() = default;
  template <typename T>
  requires std::is_constructible_v<Storage, T&&> Value(T&& v)
      : storage_(std::forward<T>(v)) {}  // NOLINT(google-explicit-constructor)
  // Small integer literals go to int64_t rather than being ambiguous.
  Value(int v) : storage_(int64_t{v}) {}              // NOLINT(google-explicit-constructor)
  Value(const char* s) : storage_(std::string(s)) {}  // NOLINT(google-explicit-constructor)

  const Storage& storage() const { return storage_; }
  Storage& storage() { return storage_; }

  bool is_null() const { return std::holds_alternative<Null>(storage_); }
  bool is_unchanged() const { return std::holds_alternative<Unchanged>(storage_); }

  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(storage_);
  }
  template <typename T>
  const T& as() const {
    return std::get<T>(storage_);
  }
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&storage_);
  }

  // A short human-readable rendering for logs, errors and test failure messages.
  std::string debug_string() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Storage storage_;
};

// Sets `out` to the text `text`, into the string it holds if it holds one (a recycled
// row's value), so that text that fits its buffer allocates nothing.
inline void assign_text(Value& out, std::string_view text) {
  if (auto* held = std::get_if<std::string>(&out.storage())) {
    held->assign(text);
  } else {
    out = std::string(text);
  }
}

// The heap bytes a value holds beyond its own slot, roughly: what keeping it for reuse
// (a recycled row's) would pin.
size_t held_bytes(const Value& value);

}  // namespace cdc
