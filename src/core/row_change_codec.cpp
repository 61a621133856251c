#include "core/row_change_codec.h"

#include <bit>
#include <cstring>
#include <type_traits>

#include "core/errors.h"

namespace cdc {
namespace {

enum class Kind : uint8_t {
  kNull = 0,
  kUnchanged,
  kFalse,
  kTrue,
  kInt64,
  kUint64,
  kDouble,
  kDecimal,
  kText,
  kBytes,
  kDate,
  kTimestamp,
  kLocalTimestamp,
  kTimeOfDay,
  kJson,
  kArray,
};

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_signed(int64_t v, std::string& out) {
  put_varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63), out);
}

void put_string(std::string_view s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}

void put_kind(Kind kind, std::string& out) { out.push_back(static_cast<char>(kind)); }

void put_row(const Row& row, std::string& out);

void put_value(const Value& value, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          put_kind(Kind::kNull, out);
        } else if constexpr (std::is_same_v<T, Unchanged>) {
          put_kind(Kind::kUnchanged, out);
        } else if constexpr (std::is_same_v<T, bool>) {
          put_kind(v ? Kind::kTrue : Kind::kFalse, out);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          put_kind(Kind::kInt64, out);
          put_signed(v, out);
        } else if constexpr (std::is_same_v<T, uint64_t>) {
          put_kind(Kind::kUint64, out);
          put_varint(v, out);
        } else if constexpr (std::is_same_v<T, double>) {
          put_kind(Kind::kDouble, out);
          const auto bits = std::bit_cast<uint64_t>(v);
          for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
        } else if constexpr (std::is_same_v<T, Decimal>) {
          put_kind(Kind::kDecimal, out);
          put_string(v.text, out);
        } else if constexpr (std::is_same_v<T, std::string>) {
          put_kind(Kind::kText, out);
          put_string(v, out);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          put_kind(Kind::kBytes, out);
          put_string(v.data, out);
        } else if constexpr (std::is_same_v<T, Date>) {
          put_kind(Kind::kDate, out);
          put_signed(v.days, out);
        } else if constexpr (std::is_same_v<T, Timestamp>) {
          put_kind(Kind::kTimestamp, out);
          put_signed(v.micros, out);
        } else if constexpr (std::is_same_v<T, LocalTimestamp>) {
          put_kind(Kind::kLocalTimestamp, out);
          put_signed(v.micros, out);
        } else if constexpr (std::is_same_v<T, TimeOfDay>) {
          put_kind(Kind::kTimeOfDay, out);
          put_signed(v.micros, out);
        } else if constexpr (std::is_same_v<T, Json>) {
          put_kind(Kind::kJson, out);
          put_string(v.text, out);
        } else {
          static_assert(std::is_same_v<T, ValueArray>);
          put_kind(Kind::kArray, out);
          put_row(v, out);
        }
      },
      value.storage());
}

void put_row(const Row& row, std::string& out) {
  put_varint(row.size(), out);
  for (const Value& v : row) put_value(v, out);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  uint8_t byte(const char* what) {
    need(1, what);
    return static_cast<uint8_t>(bytes_[at_++]);
  }
  uint64_t varint(const char* what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = byte(what);
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail(what, "varint longer than 10 bytes");
  }
  int64_t signed_varint(const char* what) {
    const uint64_t v = varint(what);
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string string(const char* what) {
    const uint64_t size = varint(what);
    need(size, what);
    std::string s(bytes_.substr(at_, size));
    at_ += size;
    return s;
  }
  uint64_t fixed64(const char* what) {
    need(8, what);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(bytes_[at_ + i])} << (8 * i);
    at_ += 8;
    return v;
  }
  size_t count(const char* what) {
    const uint64_t n = varint(what);
    // Each element takes at least one byte: a larger count is damage, not a big row.
    if (n > bytes_.size() - at_) fail(what, "count beyond the end of the record");
    return static_cast<size_t>(n);
  }
  void expect_end(const char* what) const {
    if (at_ != bytes_.size()) fail(what, "trailing bytes");
  }

  [[noreturn]] void fail(const char* what, const char* why) const {
    throw ProtocolError(std::string("spilled change: ") + what + ": " + why + " at byte " +
                        std::to_string(at_));
  }

 private:
  void need(uint64_t n, const char* what) const {
    if (n > bytes_.size() - at_) fail(what, "record ends early");
  }

  std::string_view bytes_;
  size_t at_ = 0;
};

Row read_row(Reader& r, int depth);

Value read_value(Reader& r, int depth) {
  const auto kind = static_cast<Kind>(r.byte("value kind"));
  switch (kind) {
    case Kind::kNull:
      return Null{};
    case Kind::kUnchanged:
      return Unchanged{};
    case Kind::kFalse:
      return false;
    case Kind::kTrue:
      return true;
    case Kind::kInt64:
      return r.signed_varint("int64");
    case Kind::kUint64:
      return r.varint("uint64");
    case Kind::kDouble:
      return std::bit_cast<double>(r.fixed64("double"));
    case Kind::kDecimal:
      return Decimal{r.string("decimal")};
    case Kind::kText:
      return r.string("text");
    case Kind::kBytes:
      return Bytes{r.string("bytes")};
    case Kind::kDate:
      return Date{static_cast<int32_t>(r.signed_varint("date"))};
    case Kind::kTimestamp:
      return Timestamp{r.signed_varint("timestamp")};
    case Kind::kLocalTimestamp:
      return LocalTimestamp{r.signed_varint("local timestamp")};
    case Kind::kTimeOfDay:
      return TimeOfDay{r.signed_varint("time")};
    case Kind::kJson:
      return Json{r.string("json")};
    case Kind::kArray:
      if (depth > 64) r.fail("array", "nested too deeply");
      return ValueArray(read_row(r, depth + 1));
  }
  r.fail("value kind", "unknown kind");
}

Row read_row(Reader& r, int depth) {
  Row row;
  row.resize(r.count("row length"));
  for (Value& v : row) v = read_value(r, depth);
  return row;
}

size_t heap_bytes(const std::string& s) {
  // Short strings live inside the object (libstdc++ keeps up to 15 chars inline).
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

size_t row_bytes(const Row& row);

size_t value_heap_bytes(const Value& value) {
  return std::visit(
      [](const auto& v) -> size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return heap_bytes(v);
        } else if constexpr (std::is_same_v<T, Decimal> || std::is_same_v<T, Json>) {
          return heap_bytes(v.text);
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return heap_bytes(v.data);
        } else if constexpr (std::is_same_v<T, ValueArray>) {
          return row_bytes(v);
        } else {
          return 0;
        }
      },
      value.storage());
}

size_t row_bytes(const Row& row) {
  size_t bytes = row.capacity() * sizeof(Value);
  for (const Value& v : row) bytes += value_heap_bytes(v);
  return bytes;
}

}  // namespace

void encode_row_change(const RowChange& change, uint32_t schema_index, uint32_t tag,
                       std::string& out) {
  out.push_back(static_cast<char>(change.op));
  put_varint(schema_index, out);
  put_varint(tag, out);
  put_signed(change.commit_time_micros, out);
  put_row(change.before, out);
  put_row(change.after, out);
}

DecodedRowChange decode_row_change(std::string_view bytes) {
  Reader r(bytes);
  DecodedRowChange d;
  const uint8_t op = r.byte("operation");
  if (op > static_cast<uint8_t>(Operation::kSnapshotRead)) r.fail("operation", "unknown");
  d.change.op = static_cast<Operation>(op);
  d.schema_index = static_cast<uint32_t>(r.varint("schema index"));
  d.tag = static_cast<uint32_t>(r.varint("tag"));
  d.change.commit_time_micros = r.signed_varint("commit time");
  d.change.before = read_row(r, 0);
  d.change.after = read_row(r, 0);
  r.expect_end("change");
  return d;
}

void encode_discard(uint32_t tag, std::string& out) { put_varint(tag, out); }

uint32_t decode_discard(std::string_view bytes) {
  Reader r(bytes);
  const auto tag = static_cast<uint32_t>(r.varint("discarded tag"));
  r.expect_end("discard");
  return tag;
}

void encode_table_schema(const TableSchema& schema, std::string& out) {
  put_string(schema.id.schema, out);
  put_string(schema.id.name, out);
  put_varint(schema.version, out);
  put_varint(schema.columns.size(), out);
  for (const Column& c : schema.columns) {
    put_string(c.name, out);
    put_string(c.type_name, out);
    out.push_back(c.is_key ? 1 : 0);
  }
}

TableSchema decode_table_schema(std::string_view bytes) {
  Reader r(bytes);
  TableSchema schema;
  schema.id.schema = r.string("schema name");
  schema.id.name = r.string("table name");
  schema.version = r.varint("schema version");
  schema.columns.resize(r.count("column count"));
  for (Column& c : schema.columns) {
    c.name = r.string("column name");
    c.type_name = r.string("column type");
    c.is_key = r.byte("column key flag") != 0;
  }
  r.expect_end("schema");
  return schema;
}

size_t estimated_bytes(const RowChange& change) {
  return sizeof(RowChange) + row_bytes(change.before) + row_bytes(change.after);
}

}  // namespace cdc
