#include "connectors/mysql/json_binary.h"

#include <bit>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/mysql_decimal.h"
#include "connectors/mysql/mysql_temporal.h"
#include "core/json_string.h"

namespace cdc::mysql {
namespace {

enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};

constexpr int kMaxDepth = 150;

class JsonPrinter {
 public:
  JsonPrinter(Bytes doc, std::string& out)
      : doc_(doc), out_(out), budget_(16 * doc.size() + 1024) {}

  void print_document() {
    ByteReader r(doc_, 0, "binary JSON");
    const uint8_t type = r.u8("type");
    value(type, doc_.subspan(1), 1, 0);
  }

 private:
  // Prints the value of `type` whose bytes start at data (data_offset in the document).
  void value(uint8_t type, Bytes data, size_t data_offset, int depth) {
    if (depth > kMaxDepth) fail(data_offset, "nesting deeper than 150 levels");
    if (budget_-- == 0) fail(data_offset, "offsets revisit data too often");
    ByteReader r(data, data_offset, "binary JSON");
    switch (type) {
      case kSmallObject:
      case kLargeObject:
        container(data, data_offset, type == kLargeObject, true, depth);
        return;
      case kSmallArray:
      case kLargeArray:
        container(data, data_offset, type == kLargeArray, false, depth);
        return;
      case kLiteral:
        literal(r.u8("literal"), data_offset);
        return;
      case kInt16:
        integer(static_cast<int16_t>(r.u16("int16")));
        return;
      case kUint16:
        integer(r.u16("uint16"));
        return;
      case kInt32:
        integer(static_cast<int32_t>(r.u32("int32")));
        return;
      case kUint32:
        integer(r.u32("uint32"));
        return;
      case kInt64:
        integer(static_cast<int64_t>(r.u64("int64")));
        return;
      case kUint64:
        integer(r.u64("uint64"));
        return;
      case kDouble:
        dbl(std::bit_cast<double>(r.u64("double")), data_offset);
        return;
      case kString: {
        const size_t length = varlen(r);
        cdc::append_json_string(out_, r.str(length, "string"));
        return;
      }
      case kOpaque:
        opaque(r);
        return;
      default:
        fail(data_offset, fmt::format("unknown value type {:#04x}", type));
    }
  }

  void container(Bytes data, size_t data_offset, bool large, bool object, int depth) {
    ByteReader r(data, data_offset, "binary JSON");
    const size_t width = large ? 4 : 2;
    const uint64_t count = r.le(width, "element count");
    const uint64_t size = r.le(width, "container size");
    if (size > data.size()) fail(data_offset, fmt::format("container size {} overflows", size));
    const Bytes body = data.first(size);
    const size_t key_entry = width + 2;
    const size_t value_entry = 1 + width;
    const size_t header = 2 * width + count * ((object ? key_entry : 0) + value_entry);
    if (count > size || header > size) {
      fail(data_offset, fmt::format("{} elements cannot fit {} bytes", count, size));
    }
    out_ += object ? '{' : '[';
    for (uint64_t i = 0; i < count; ++i) {
      if (i > 0) out_ += ',';
      if (object) {
        ByteReader k(body.subspan(2 * width + i * key_entry), data_offset, "binary JSON key");
        const uint64_t key_offset = k.le(width, "key offset");
        const uint16_t key_length = k.u16("key length");
        if (key_offset > size || key_length > size - key_offset) {
          fail(data_offset, "key runs past its object");
        }
        cdc::append_json_string(out_, as_string_view(body.subspan(key_offset, key_length)));
        out_ += ':';
      }
      const size_t entry_at = 2 * width + (object ? count * key_entry : 0) + i * value_entry;
      ByteReader v(body.subspan(entry_at), data_offset + entry_at, "binary JSON value entry");
      const uint8_t type = v.u8("value type");
      if (is_inlined(type, large)) {
        value(type, body.subspan(entry_at + 1, width), data_offset + entry_at + 1, depth + 1);
      } else {
        const uint64_t offset = v.le(width, "value offset");
        if (offset >= size) fail(data_offset, fmt::format("value offset {} overflows", offset));
        value(type, body.subspan(offset), data_offset + offset, depth + 1);
      }
    }
    out_ += object ? '}' : ']';
  }

  static bool is_inlined(uint8_t type, bool large) {
    switch (type) {
      case kLiteral:
      case kInt16:
      case kUint16:
        return true;
      case kInt32:
      case kUint32:
        return large;
      default:
        return false;
    }
  }

  void literal(uint8_t v, size_t offset) {
    switch (v) {
      case 0:
        out_ += "null";
        return;
      case 1:
        out_ += "true";
        return;
      case 2:
        out_ += "false";
        return;
      default:
        fail(offset, fmt::format("unknown literal {}", v));
    }
  }

  template <typename T>
  void integer(T v) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out_.append(buf, end);
  }

  void dbl(double v, size_t offset) {
    if (!std::isfinite(v)) fail(offset, "a JSON double is not finite");
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    const std::string_view text(buf, static_cast<size_t>(end - buf));
    out_ += text;
    // Keep it visibly a double, as MySQL prints 3.0 for a double 3.
    if (text.find_first_of(".e") == std::string_view::npos) out_ += ".0";
  }

  // The 7-bits-per-byte length of strings and opaque values (at most 5 bytes).
  static size_t varlen(ByteReader& r) {
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) {
      const uint8_t b = r.u8("length");
      v |= uint64_t{b & 0x7fu} << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    r.fail("variable-length size longer than 5 bytes");
  }

  void opaque(ByteReader& r) {
    const uint8_t field_type = r.u8("opaque type");
    const size_t length = varlen(r);
    const size_t data_offset = r.offset();
    const Bytes data = r.bytes(length, "opaque data");
    ByteReader d(data, data_offset, "binary JSON opaque value");
    switch (static_cast<ColumnType>(field_type)) {
      case ColumnType::kNewDecimal: {
        const uint8_t precision = d.u8("decimal precision");
        const uint8_t scale = d.u8("decimal scale");
        out_ += read_decimal(d, precision, scale);
        return;
      }
      case ColumnType::kDate:
        quoted(format_date(unpack_datetime(static_cast<int64_t>(d.u64("date")))));
        return;
      case ColumnType::kTime:
        quoted(format_time(unpack_time(static_cast<int64_t>(d.u64("time"))), 6));
        return;
      case ColumnType::kDateTime:
      case ColumnType::kTimestamp:
        quoted(format_datetime(unpack_datetime(static_cast<int64_t>(d.u64("datetime"))), 6));
        return;
      default:
        out_ += fmt::format("\"base64:type{}:", field_type);
        append_base64(data);
        out_ += '"';
        return;
    }
  }

  void quoted(const std::string& s) {
    out_ += '"';
    out_ += s;
    out_ += '"';
  }

  void append_base64(Bytes data) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
      const uint32_t v = static_cast<uint32_t>(load_be(data.data() + i, 3));
      for (int s = 18; s >= 0; s -= 6) out_ += kAlphabet[(v >> s) & 63];
    }
    const size_t rest = data.size() - i;
    if (rest > 0) {
      const uint32_t v = static_cast<uint32_t>(load_be(data.data() + i, rest) << (8 * (3 - rest)));
      out_ += kAlphabet[(v >> 18) & 63];
      out_ += kAlphabet[(v >> 12) & 63];
      out_ += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
      out_ += '=';
    }
  }

  [[noreturn]] void fail(size_t offset, const std::string& message) const {
    ByteReader(doc_, 0, "binary JSON")
        .fail(fmt::format("{} (at document byte {})", message, offset));
  }

  Bytes doc_;
  std::string& out_;
  size_t budget_;
};

}  // namespace

void append_json_text(Bytes binary, std::string& out) {
  if (binary.empty()) {
    out += "null";
    return;
  }
  JsonPrinter(binary, out).print_document();
}

std::string json_binary_to_text(Bytes binary) {
  std::string out;
  append_json_text(binary, out);
  return out;
}

}  // namespace cdc::mysql
