#include "connectors/mysql/mysql_text_value.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "connectors/mysql/charset.h"
#include "connectors/mysql/column_value_decoder.h"
#include "connectors/mysql/mysql_temporal.h"
#include "core/ascii_digits.h"
#include "core/errors.h"

namespace cdc::mysql {
namespace {

constexpr size_t kGeometrySridBytes = 4;
constexpr size_t kMaxBitBytes = 8;

// The start of `text` for an error message, with bytes that are not printable ASCII as
// '?': values may be binary.
std::string preview(std::string_view text) {
  std::string out(text.substr(0, 40));
  for (char& ch : out) {
    if (ch < 0x20 || ch > 0x7e) ch = '?';
  }
  return text.size() > 40 ? out + "..." : out;
}

[[noreturn]] void fail(const ColumnInfo& c, std::string_view text, std::string_view what) {
  throw ProtocolError(fmt::format("column `{}`: \"{}\" is not {} as the server prints it", c.name,
                                  preview(text), what));
}

// Reads the characters of `text` left to right; anything unexpected fails the value.
class TextCursor {
 public:
  TextCursor(const ColumnInfo& c, std::string_view text, std::string_view what)
      : c_(c), text_(text), what_(what) {}

  bool at_end() const { return pos_ == text_.size(); }
  bool skip(char ch) {
    if (pos_ < text_.size() && text_[pos_] == ch) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char ch) {
    if (!skip(ch)) fail(c_, text_, what_);
  }
  // `min`..`max` decimal digits as a number.
  int digits(size_t min, size_t max) {
    int v = 0;
    size_t n = 0;
    while (n < max && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      v = v * 10 + (text_[pos_++] - '0');
      ++n;
    }
    if (n < min) fail(c_, text_, what_);
    return v;
  }
  // ".123" (1-6 digits) as microseconds; 0 without a fraction.
  int fraction_micros() {
    if (!skip('.')) return 0;
    const size_t start = pos_;
    int v = digits(1, 6);
    for (size_t n = pos_ - start; n < 6; ++n) v *= 10;
    return v;
  }
  void end() {
    if (!at_end()) fail(c_, text_, what_);
  }

 private:
  const ColumnInfo& c_;
  std::string_view text_;
  std::string_view what_;
  size_t pos_ = 0;
};

// "2024-02-29" into t's date fields.
void read_date_part(TextCursor& in, CivilTime& t) {
  t.year = in.digits(4, 4);
  in.expect('-');
  t.month = in.digits(2, 2);
  in.expect('-');
  t.day = in.digits(2, 2);
}

// `count` digits at `at` (inside `text`) as a number, or -1 if one of them is not a digit.
// Not core's fixed_digits(): this one is on the path of every DATETIME a backfill reads,
// where an int and no bounds check measured 176 instead of 244 instructions a value.
int printed_digits(std::string_view text, size_t at, size_t count) {
  int v = 0;
  for (size_t i = at; i < at + count; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[i]) - '0';  // one compare
    if (digit > 9) return -1;
    v = v * 10 + static_cast<int>(digit);
  }
  return v;
}

// "YYYY-MM-DD HH:MM:SS" with 0 to 6 fraction digits, the shape the server prints, read at
// fixed offsets; false for anything else, which the cursor then reads (or refuses).
bool read_printed_datetime(std::string_view text, CivilTime& t) {
  constexpr size_t kWhole = 19;  // without the fraction
  if (text.size() < kWhole || text.size() == kWhole + 1 || text.size() > kWhole + 7) return false;
  if (text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':') {
    return false;
  }
  if (text.size() > kWhole && text[kWhole] != '.') return false;
  const int fields[] = {printed_digits(text, 0, 4),  printed_digits(text, 5, 2),
                        printed_digits(text, 8, 2),  printed_digits(text, 11, 2),
                        printed_digits(text, 14, 2), printed_digits(text, 17, 2)};
  int micros = 0;
  if (text.size() > kWhole) {
    const size_t count = text.size() - kWhole - 1;
    micros = printed_digits(text, kWhole + 1, count);
    for (size_t n = count; n < 6 && micros >= 0; ++n) micros *= 10;
  }
  if (micros < 0 ||
      std::any_of(std::begin(fields), std::end(fields), [](int f) { return f < 0; })) {
    return false;
  }
  t.year = fields[0];
  t.month = fields[1];
  t.day = fields[2];
  t.hour = fields[3];
  t.minute = fields[4];
  t.second = fields[5];
  t.micros = micros;
  return true;
}

CivilTime read_datetime(const ColumnInfo& c, std::string_view text) {
  if (CivilTime t; read_printed_datetime(text, t)) return t;
  TextCursor in(c, text, "a date and time");
  CivilTime t;
  read_date_part(in, t);
  in.expect(' ');
  t.hour = in.digits(2, 2);
  in.expect(':');
  t.minute = in.digits(2, 2);
  in.expect(':');
  t.second = in.digits(2, 2);
  t.micros = in.fraction_micros();
  in.end();
  return t;
}

template <typename T>
T integer(const ColumnInfo& c, std::string_view text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) fail(c, text, "an integer");
  return v;
}

double real(const ColumnInfo& c, std::string_view text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) fail(c, text, "a number");
  return v;
}

bool is_digits(std::string_view s) {
  return s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Whether `text` is already in the shape decimal() gives: what MySQL and MariaDB send
// for every DECIMAL, so the common case is one pass and one copy.
bool is_canonical_decimal(std::string_view text, size_t scale) {
  size_t at = !text.empty() && text.front() == '-' ? 1 : 0;
  const size_t int_from = at;
  while (at < text.size() && is_digit(text[at])) ++at;
  const size_t int_digits = at - int_from;
  if (int_digits == 0 || (int_digits > 1 && text[int_from] == '0')) return false;
  if (scale == 0) {
    if (at != text.size()) return false;
  } else {
    if (text.size() - at != scale + 1 || text[at] != '.') return false;
    for (++at; at < text.size(); ++at) {
      if (!is_digit(text[at])) return false;
    }
  }
  // "-0.00" is not: MySQL has no negative zero.
  return int_from == 0 || text.find_first_not_of("-0.") != std::string_view::npos;
}

// "-0012.5" of DECIMAL(p,2) -> "-12.50": the shape read_decimal() gives.
std::string decimal(const ColumnInfo& c, std::string_view text) {
  if (is_canonical_decimal(text, c.decimals)) return std::string(text);
  std::string_view rest = text;
  const bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  const size_t dot = rest.find('.');
  std::string_view int_part = rest.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
  if (int_part.empty() || !is_digits(int_part) || !is_digits(frac_part)) {
    fail(c, text, "a decimal");
  }
  while (int_part.size() > 1 && int_part.front() == '0') int_part.remove_prefix(1);
  const size_t scale = c.decimals;
  if (frac_part.size() > scale) {
    if (frac_part.substr(scale).find_first_not_of('0') != std::string_view::npos) {
      fail(c, text, fmt::format("a decimal with {} fraction digits", scale));
    }
    frac_part = frac_part.substr(0, scale);
  }
  std::string out;
  out.reserve(text.size() + scale + 2);
  if (negative) out += '-';
  out += int_part;
  if (scale > 0) {
    out += '.';
    out += frac_part;
    out.append(scale - frac_part.size(), '0');
  }
  // MySQL has no negative zero.
  if (negative && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);
  return out;
}

Value date(const ColumnInfo& c, std::string_view text) {
  TextCursor in(c, text, "a date");
  CivilTime t;
  read_date_part(in, t);
  in.end();
  if (t.is_zero_date() || t.month > 12) return Value(Null{});
  return Value(Date{static_cast<int32_t>(days_from_civil(t.year, t.month, t.day))});
}

Value time_of_day(const ColumnInfo& c, std::string_view text) {
  TextCursor in(c, text, "a time");
  CivilTime t;
  t.negative = in.skip('-');
  t.hour = in.digits(2, 3);
  in.expect(':');
  t.minute = in.digits(2, 2);
  in.expect(':');
  t.second = in.digits(2, 2);
  t.micros = in.fraction_micros();
  in.end();
  return Value(TimeOfDay{t.duration_micros()});
}

Value text_like(const ColumnInfo& c, std::string_view text) {
  switch (c.encoding) {
    case TextEncoding::kUtf8:
    case TextEncoding::kUnknown:
      return Value(std::string(text));
    case TextEncoding::kLatin1: {
      std::string out;
      append_latin1_as_utf8(text, out);
      return Value(std::move(out));
    }
    case TextEncoding::kBinary:
      // BINARY(n) holds its trailing zero bytes; the binlog reader adds them back too.
      if (c.type == ColumnType::kString && text.size() < c.length) {
        std::string padded(text);
        padded.resize(c.length, '\0');
        return Value(cdc::Bytes{std::move(padded)});
      }
      [[fallthrough]];
    case TextEncoding::kOther:
      break;
  }
  return Value(cdc::Bytes{std::string(text)});
}

Value set_members(std::string_view text) {
  ValueArray members;
  // Members cannot contain a comma: MySQL refuses such SET definitions.
  while (!text.empty()) {
    const size_t comma = text.find(',');
    members.emplace_back(std::string(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return Value(std::move(members));
}

Value bits(const ColumnInfo& c, std::string_view text) {
  if (text.size() > kMaxBitBytes) fail(c, text, "a BIT of at most 64 bits");
  uint64_t v = 0;
  for (const char ch : text) v = (v << 8) | static_cast<unsigned char>(ch);
  return Value(v);
}

// The server's JSON text with the whitespace between tokens removed: the compact form
// json_binary.h writes.
std::string compact_json(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  bool escaped = false;
  for (const char ch : text) {
    if (in_string) {
      out += ch;
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
      out += ch;
    } else if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') {
      out += ch;
    }
  }
  return out;
}

Value vector(const ColumnInfo& c, std::string_view text) {
  if (text.size() % 4 != 0) fail(c, text, "a VECTOR of 4-byte floats");
  ValueArray out;
  out.reserve(text.size() / 4);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t bits_le = 0;
    for (size_t b = 0; b < 4; ++b) {
      bits_le |= uint32_t{static_cast<unsigned char>(text[i + b])} << (8 * b);
    }
    float f = 0;
    std::memcpy(&f, &bits_le, sizeof f);
    out.emplace_back(static_cast<double>(f));
  }
  return Value(std::move(out));
}

bool selected_as_bytes(const ColumnInfo& c) {
  const bool text_like = c.type == ColumnType::kString || c.type == ColumnType::kVarchar ||
                         c.type == ColumnType::kVarString || c.type == ColumnType::kBlob;
  return text_like && (c.encoding == TextEncoding::kLatin1 || c.encoding == TextEncoding::kOther);
}

}  // namespace

std::string mysql_text_select(const ColumnInfo& column, std::string_view quoted_name) {
  switch (column.type) {
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      return fmt::format("({} + 0E0)", quoted_name);
    case ColumnType::kYear:
      return fmt::format("({} + 0)", quoted_name);
    default:
      if (selected_as_bytes(column)) return fmt::format("CAST({} AS BINARY)", quoted_name);
      return std::string(quoted_name);
  }
}

Value mysql_text_value(const ColumnInfo& c, std::string_view text) {
  switch (c.type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kYear:
      return Value(integer<int64_t>(c, text));
    case ColumnType::kLongLong:
      if (c.signedness == Signedness::kUnsigned) return Value(integer<uint64_t>(c, text));
      return Value(integer<int64_t>(c, text));
    case ColumnType::kFloat:
      return Value(float_as_double(static_cast<float>(real(c, text))));
    case ColumnType::kDouble:
      return Value(real(c, text));
    case ColumnType::kNewDecimal:
      return Value(Decimal{decimal(c, text)});
    case ColumnType::kDate:
    case ColumnType::kNewDate:
      return date(c, text);
    case ColumnType::kDateTime:
    case ColumnType::kDateTime2: {
      const CivilTime t = read_datetime(c, text);
      if (t.is_zero_date()) return Value(Null{});
      return Value(LocalTimestamp{t.epoch_micros()});
    }
    case ColumnType::kTimestamp:
    case ColumnType::kTimestamp2: {
      const CivilTime t = read_datetime(c, text);
      if (t.is_zero_date()) return Value(Null{});
      return Value(Timestamp{t.epoch_micros()});
    }
    case ColumnType::kTime:
    case ColumnType::kTime2:
      return time_of_day(c, text);
    case ColumnType::kString:
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      return text_like(c, text);
    case ColumnType::kEnum:
      return Value(std::string(text));
    case ColumnType::kSet:
      return set_members(text);
    case ColumnType::kBit:
      return bits(c, text);
    case ColumnType::kJson:
      return Value(Json{compact_json(text)});
    case ColumnType::kGeometry:
      if (text.size() < kGeometrySridBytes) fail(c, text, "a geometry with its SRID");
      return Value(cdc::Bytes{std::string(text.substr(kGeometrySridBytes))});
    case ColumnType::kVector:
      return vector(c, text);
    default:
      throw SourceError(fmt::format("column `{}`: values of type {} cannot be read as text", c.name,
                                    static_cast<int>(c.type)));
  }
}

}  // namespace cdc::mysql
