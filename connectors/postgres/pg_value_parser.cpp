#include "connectors/postgres/pg_value_parser.h"

#include <charconv>
#include <limits>
#include <string>

#include "connectors/postgres/pg_datetime.h"
#include "connectors/postgres/pg_types.h"
#include "core/ascii_digits.h"
#include "core/errors.h"

namespace cdc::pg {
namespace {

// PostgreSQL's MAXDIM: arrays have at most six dimensions.
constexpr int kMaxArrayDimensions = 6;
constexpr size_t kMaxQuotedText = 80;

std::string type_label(uint32_t type_oid) {
  const std::string_view name = pg_type_name(type_oid);
  return name.empty() ? "type oid " + std::to_string(type_oid) : std::string(name);
}

std::string quoted_excerpt(std::string_view text) {
  if (text.size() <= kMaxQuotedText) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuotedText - 3)) + "...' (" +
         std::to_string(text.size()) + " bytes)";
}

[[noreturn]] void malformed(const std::string& type, std::string_view text,
                            std::string_view why = {}) {
  std::string message = "malformed PostgreSQL " + type + " value " + quoted_excerpt(text);
  if (!why.empty()) message += ": " + std::string(why);
  throw ProtocolError(message);
}

bool parse_bool(std::string_view text, Value& out) {
  if (text == "t" || text == "true") {
    out = true;
  } else if (text == "f" || text == "false") {
    out = false;
  } else {
    return false;
  }
  return true;
}

bool parse_int(std::string_view text, Value& out) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end) return false;
  out = v;
  return true;
}

bool parse_float(std::string_view text, Value& out) {
  // float8out spells the special values this way; from_chars would want "inf"/"nan".
  if (text == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
  } else if (text == "Infinity") {
    out = std::numeric_limits<double>::infinity();
  } else if (text == "-Infinity") {
    out = -std::numeric_limits<double>::infinity();
  } else {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end) return false;
    out = v;
  }
  return true;
}

// numeric_out: an optional sign, digits with an optional point, or a special value.
bool parse_numeric(std::string_view text, Value& out) {
  bool ok = text == "NaN" || text == "Infinity" || text == "-Infinity";
  if (!ok) {
    size_t i = 0;
    size_t digits = 0;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) ++digits;
    if (i < text.size() && text[i] == '.') {
      for (++i; i < text.size() && is_digit(text[i]); ++i) ++digits;
    }
    ok = digits > 0 && i == text.size();
  }
  if (ok) out = Decimal{std::string(text)};
  return ok;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// PostgreSQL docs, "Binary Data Types": hex form "\x0a1b..." (bytea_output=hex), else
// the escape form, where "\\" is a backslash and "\nnn" an octal byte.
bool parse_bytea(std::string_view text, Value& out) {
  Bytes bytes;
  if (text.starts_with("\\x")) {
    const std::string_view hex = text.substr(2);
    if (hex.size() % 2 != 0) return false;
    bytes.data.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
      const int hi = hex_digit(hex[i]);
      const int lo = hex_digit(hex[i + 1]);
      if (hi < 0 || lo < 0) return false;
      bytes.data.push_back(static_cast<char>(hi * 16 + lo));
    }
  } else {
    bytes.data.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\\') {
        bytes.data.push_back(text[i]);
      } else if (i + 1 < text.size() && text[i + 1] == '\\') {
        bytes.data.push_back('\\');
        ++i;
      } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
                 is_octal(text[i + 2]) && is_octal(text[i + 3])) {
        bytes.data.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                               text[i + 3] - '0'));
        i += 3;
      } else {
        return false;
      }
    }
  }
  out = std::move(bytes);
  return true;
}

template <typename Parsed>
bool assign(const std::optional<Parsed>& parsed, Value& out) {
  if (!parsed) return false;
  out = *parsed;
  return true;
}

Value parse_array_literal(uint32_t element_oid, std::string_view text);

// False when `text` is not a valid value of the type; arrays throw themselves.
bool parse_into(uint32_t type_oid, std::string_view text, Value& out) {
  switch (type_oid) {
    case oid::kBool:
      return parse_bool(text, out);
    case oid::kInt2:
    case oid::kInt4:
    case oid::kInt8:
    case oid::kOid:
      return parse_int(text, out);
    case oid::kNumeric:
      return parse_numeric(text, out);
    case oid::kFloat4:
    case oid::kFloat8:
      return parse_float(text, out);
    case oid::kDate:
      return assign(parse_pg_date(text), out);
    case oid::kTimestamp:
      return assign(parse_pg_timestamp(text), out);
    case oid::kTimestamptz:
      return assign(parse_pg_timestamptz(text), out);
    case oid::kTime:
      return assign(parse_pg_time(text), out);
    case oid::kJson:
    case oid::kJsonb:
      out = Json{std::string(text)};
      return true;
    case oid::kBytea:
      return parse_bytea(text, out);
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kUuid:
      assign_text(out, text);
      return true;
    default:
      if (const uint32_t element = pg_array_element_oid(type_oid); element != 0) {
        out = parse_array_literal(element, text);
      } else {
        assign_text(out, text);
      }
      return true;
  }
}

// PostgreSQL docs, "Arrays", "Array Value Input": an optional dimension decoration
// "[lo:hi][lo:hi]=", then '{' elements '}' separated by the type's delimiter, nested one
// level of braces per dimension. An element is NULL (unquoted, any case), a quoted string
// with backslash escapes, or an unquoted string (backslash escapes allowed, surrounding
// white space ignored).
class ArrayParser {
 public:
  ArrayParser(uint32_t element_oid, std::string_view text)
      : element_oid_(element_oid), delimiter_(pg_array_delimiter(element_oid)), text_(text) {}

  Value parse() {
    skip_space();
    if (peek() == '[') skip_dimensions();
    if (!eat('{')) fail("expected '{'");
    ValueArray items = parse_level(1);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    return items;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // Lower bounds other than 1 are printed as "[0:2]={...}"; a list has no lower bound.
  void skip_dimensions() {
    while (eat('[')) {
      for (int bound = 0; bound < 2; ++bound) {
        eat('-');
        if (!is_digit(peek())) fail("expected a dimension bound");
        while (is_digit(peek())) ++pos_;
        if (bound == 0 && !eat(':')) fail("expected ':' in a dimension");
      }
      if (!eat(']')) fail("expected ']' after a dimension");
    }
    skip_space();
    if (!eat('=')) fail("expected '=' after the dimensions");
    skip_space();
  }

  ValueArray parse_level(int depth) {
    if (depth > kMaxArrayDimensions) fail("more than 6 dimensions");
    ValueArray items;
    skip_space();
    if (eat('}')) return items;
    while (true) {
      skip_space();
      if (eat('{')) {
        items.emplace_back(parse_level(depth + 1));
      } else if (eat('"')) {
        items.push_back(quoted_element());
      } else {
        items.push_back(unquoted_element());
      }
      skip_space();
      if (eat(delimiter_)) continue;
      if (eat('}')) return items;
      fail(std::string("expected '") + delimiter_ + "' or '}'");
    }
  }

  // After the opening quote.
  Value quoted_element() {
    const size_t start = pos_;
    bool escaped = false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') {
        escaped = true;
        ++pos_;
      }
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated quoted element");
    const std::string_view raw = text_.substr(start, pos_ - start);
    ++pos_;
    return element(escaped ? unescape(raw) : raw);
  }

  Value unquoted_element() {
    const size_t start = pos_;
    size_t end = pos_;  // past the last character that is not trailing white space
    bool escaped = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == delimiter_ || c == '}') break;
      if (c == '{' || c == '"') fail("unexpected '" + std::string(1, c) + "' in an element");
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) fail("backslash at the end");
        escaped = true;
        pos_ += 2;
        end = pos_;
        continue;
      }
      ++pos_;
      if (!is_space(c)) end = pos_;
    }
    const std::string_view raw = text_.substr(start, end - start);
    if (raw.empty()) fail("empty element");
    if (!escaped && raw.size() == 4 && (raw[0] | 0x20) == 'n' && (raw[1] | 0x20) == 'u' &&
        (raw[2] | 0x20) == 'l' && (raw[3] | 0x20) == 'l') {
      return Null{};
    }
    return element(escaped ? unescape(raw) : raw);
  }

  // Drops each escaping backslash; the text lives in a buffer reused across elements.
  std::string_view unescape(std::string_view raw) {
    scratch_.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      scratch_.push_back(raw[i]);
    }
    return scratch_;
  }

  Value element(std::string_view text) {
    Value value;
    if (!parse_into(element_oid_, text, value)) {
      fail("element " + quoted_excerpt(text) + " is not a valid " + type_label(element_oid_));
    }
    return value;
  }

  [[noreturn]] void fail(const std::string& why) const {
    malformed(type_label(element_oid_) + "[]", text_,
              why + " at character " + std::to_string(pos_));
  }

  uint32_t element_oid_;
  char delimiter_;
  std::string_view text_;
  size_t pos_ = 0;
  std::string scratch_;
};

Value parse_array_literal(uint32_t element_oid, std::string_view text) {
  return ArrayParser(element_oid, text).parse();
}

}  // namespace

Value parse_pg_value(uint32_t type_oid, std::string_view text) {
  Value value;
  parse_pg_value_into(type_oid, text, value);
  return value;
}

void parse_pg_value_into(uint32_t type_oid, std::string_view text, Value& out) {
  if (!parse_into(type_oid, text, out)) malformed(type_label(type_oid), text);
}

Value parse_pg_array(uint32_t element_oid, std::string_view text) {
  return parse_array_literal(element_oid, text);
}

}  // namespace cdc::pg
