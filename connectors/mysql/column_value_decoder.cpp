#include "connectors/mysql/column_value_decoder.h"

#include <bit>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "connectors/mysql/json_binary.h"
#include "connectors/mysql/mysql_decimal.h"
#include "connectors/mysql/mysql_temporal.h"

namespace cdc::mysql {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr size_t kGeometrySridBytes = 4;

int64_t sign_extend(uint64_t v, size_t bytes) {
  const int shift = static_cast<int>(64 - 8 * bytes);
  return static_cast<int64_t>(v << shift) >> shift;
}

Value integer(ByteReader& r, const ColumnInfo& c, size_t bytes) {
  const uint64_t raw = r.le(bytes, "integer");
  if (c.signedness == Signedness::kUnsigned) {
    if (bytes == 8) return Value(raw);
    return Value(static_cast<int64_t>(raw));
  }
  return Value(sign_extend(raw, bytes));
}

bool is_blob(ColumnType type) {
  return type == ColumnType::kBlob || type == ColumnType::kTinyBlob ||
         type == ColumnType::kMediumBlob || type == ColumnType::kLongBlob;
}

// The bytes of a CHAR, VARCHAR, BLOB or TEXT value, after its length prefix.
std::string_view text_bytes(ByteReader& r, const ColumnInfo& c) {
  if (is_blob(c.type)) return as_string_view(read_length_prefixed(r, c.length, "blob"));
  return as_string_view(read_length_prefixed(r, c.length < 256 ? 1 : 2,
                                             c.type == ColumnType::kString ? "char" : "varchar"));
}

// Whether such a column's bytes are its text as they are: UTF-8, or no charset metadata
// on a column that is not a BLOB/TEXT.
bool text_as_is(const ColumnInfo& c) {
  return c.encoding == TextEncoding::kUtf8 ||
         (c.encoding == TextEncoding::kUnknown && !is_blob(c.type));
}

// A CHAR, VARCHAR, BLOB or TEXT value: text, converted to UTF-8 if it is latin1, or bytes.
Value text(std::string_view raw, const ColumnInfo& c) {
  if (text_as_is(c)) return Value(std::string(raw));
  if (c.encoding == TextEncoding::kLatin1) {
    std::string out;
    append_latin1_as_utf8(raw, out);
    return Value(std::move(out));
  }
  return Value(cdc::Bytes{std::string(raw)});
}

void check_fsp(ByteReader& r, const ColumnInfo& c) {
  if (c.decimals > 6) r.fail(fmt::format("fractional seconds precision {} above 6", c.decimals));
}

Value local_timestamp(const CivilTime& t) {
  if (t.is_zero_date()) return Value(Null{});
  return Value(LocalTimestamp{t.epoch_micros()});
}

Value enum_value(ByteReader& r, const ColumnInfo& c) {
  if (c.length != 1 && c.length != 2) r.fail(fmt::format("ENUM of {} bytes", c.length));
  const uint64_t index = r.le(c.length, "enum index");
  if (c.members.empty()) return Value(static_cast<int64_t>(index));
  if (index == 0) return Value(std::string());
  if (index > c.members.size()) {
    r.fail(fmt::format("ENUM index {} beyond its {} members", index, c.members.size()));
  }
  return Value(c.members[index - 1]);
}

Value set_value(ByteReader& r, const ColumnInfo& c) {
  if (c.length < 1 || c.length > 8) r.fail(fmt::format("SET of {} bytes", c.length));
  const uint64_t bits = r.le(c.length, "set bits");
  if (c.members.empty()) return Value(bits);
  if (c.members.size() < 64 && (bits >> c.members.size()) != 0) {
    r.fail(fmt::format("SET bits {:#x} beyond its {} members", bits, c.members.size()));
  }
  ValueArray members;
  members.reserve(static_cast<size_t>(std::popcount(bits)));
  for (size_t i = 0; i < c.members.size(); ++i) {
    if ((bits >> i) & 1) members.emplace_back(c.members[i]);
  }
  return Value(std::move(members));
}

Value vector_value(ByteReader& r, const ColumnInfo& c) {
  const Bytes data = read_length_prefixed(r, c.length, "vector");
  if (data.size() % 4 != 0) r.fail(fmt::format("VECTOR of {} bytes", data.size()));
  ValueArray out;
  out.reserve(data.size() / 4);
  for (size_t i = 0; i < data.size(); i += 4) {
    const auto bits = static_cast<uint32_t>(load_le(data.data() + i, 4));
    out.emplace_back(static_cast<double>(std::bit_cast<float>(bits)));
  }
  return Value(std::move(out));
}

}  // namespace

double float_as_double(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  if (ec != std::errc()) return static_cast<double>(f);
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

Bytes read_length_prefixed(ByteReader& r, uint32_t prefix_bytes, const char* field) {
  if (prefix_bytes < 1 || prefix_bytes > 4) {
    r.fail(fmt::format("{}: length prefix of {} bytes", field, prefix_bytes));
  }
  const uint64_t length = r.le(prefix_bytes, field);
  return r.bytes(length, field);
}

Value read_column_value(ByteReader& r, const ColumnInfo& c) {
  switch (c.type) {
    case ColumnType::kTiny:
      return integer(r, c, 1);
    case ColumnType::kShort:
      return integer(r, c, 2);
    case ColumnType::kInt24:
      return integer(r, c, 3);
    case ColumnType::kLong:
      return integer(r, c, 4);
    case ColumnType::kLongLong:
      return integer(r, c, 8);
    case ColumnType::kYear: {
      const uint8_t y = r.u8("year");
      return Value(int64_t{y == 0 ? 0 : 1900 + y});
    }
    case ColumnType::kFloat:
      return Value(float_as_double(std::bit_cast<float>(r.u32("float"))));
    case ColumnType::kDouble:
      return Value(std::bit_cast<double>(r.u64("double")));
    case ColumnType::kNewDecimal:
      return Value(Decimal{read_decimal(r, c.precision, c.decimals)});
    case ColumnType::kDate:
    case ColumnType::kNewDate: {
      const CivilTime t = read_date(r);
      if (t.is_zero_date() || t.month > 12) return Value(Null{});
      return Value(Date{static_cast<int32_t>(days_from_civil(t.year, t.month, t.day))});
    }
    case ColumnType::kTime:
      return Value(TimeOfDay{read_time_v1(r).duration_micros()});
    case ColumnType::kTime2:
      check_fsp(r, c);
      return Value(TimeOfDay{unpack_time(read_time2_packed(r, c.decimals)).duration_micros()});
    case ColumnType::kDateTime:
      return local_timestamp(read_datetime_v1(r));
    case ColumnType::kDateTime2:
      check_fsp(r, c);
      return local_timestamp(unpack_datetime(
          read_datetime2_packed(r, c.decimals, c.name.empty() ? "(unnamed)" : c.name)));
    case ColumnType::kTimestamp: {
      const uint32_t seconds = r.u32("timestamp");
      if (seconds == 0) return Value(Null{});
      return Value(Timestamp{int64_t{seconds} * kMicrosPerSecond});
    }
    case ColumnType::kTimestamp2: {
      check_fsp(r, c);
      const EpochTime t = read_timestamp2(r, c.decimals);
      if (t.seconds == 0 && t.micros == 0) return Value(Null{});
      return Value(Timestamp{t.seconds * kMicrosPerSecond + t.micros});
    }
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
      return text(text_bytes(r, c), c);
    case ColumnType::kString: {
      const std::string_view raw = text_bytes(r, c);
      // The server drops BINARY(n)'s trailing zero bytes from the row image; the column
      // holds them (as CHAR(n) drops trailing spaces, which the column does not return).
      if (c.encoding == TextEncoding::kBinary && raw.size() < c.length) {
        std::string padded(raw);
        padded.resize(c.length, '\0');
        return Value(cdc::Bytes{std::move(padded)});
      }
      return text(raw, c);
    }
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      return text(text_bytes(r, c), c);
    case ColumnType::kEnum:
      return enum_value(r, c);
    case ColumnType::kSet:
      return set_value(r, c);
    case ColumnType::kBit: {
      const size_t bytes = (c.length + 7) / 8;
      if (bytes > 8) r.fail(fmt::format("BIT({}) is wider than 64 bits", c.length));
      return Value(bytes == 0 ? uint64_t{0} : r.be(bytes, "bit"));
    }
    case ColumnType::kJson: {
      std::string out;
      append_json_text(read_length_prefixed(r, c.length, "json"), out);
      return Value(Json{std::move(out)});
    }
    case ColumnType::kGeometry: {
      const Bytes data = read_length_prefixed(r, c.length, "geometry");
      if (data.size() < kGeometrySridBytes) r.fail("GEOMETRY value shorter than its SRID");
      return Value(cdc::Bytes{std::string(as_string_view(data.subspan(kGeometrySridBytes)))});
    }
    case ColumnType::kVector:
      return vector_value(r, c);
    case ColumnType::kNull:
      return Value(Null{});
    case ColumnType::kMariadbVarcharCompressed:
    case ColumnType::kMariadbBlobCompressed:
      r.fail("MariaDB compressed columns (COMPRESSED attribute) are not supported");
    case ColumnType::kDecimal:
      r.fail("the pre-5.0 DECIMAL type has no binlog metadata and is not supported");
    default:
      r.fail(fmt::format("column type {} is not decodable", static_cast<int>(c.type)));
  }
}

void read_column_value_into(ByteReader& r, const ColumnInfo& c, Value& out) {
  switch (c.type) {
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      if (text_as_is(c)) {
        assign_text(out, text_bytes(r, c));
        return;
      }
      break;
    case ColumnType::kNewDecimal:
      if (auto* decimal = std::get_if<Decimal>(&out.storage())) {
        read_decimal_into(r, c.precision, c.decimals, decimal->text);
        return;
      }
      break;
    default:
      break;
  }
  out = read_column_value(r, c);
}

}  // namespace cdc::mysql
