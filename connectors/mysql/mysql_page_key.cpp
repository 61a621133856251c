#include "connectors/mysql/mysql_page_key.h"

#include <charconv>

#include <fmt/format.h>

#include "core/errors.h"

namespace cdc::mysql {
namespace {

// What the server prints for integers, decimals and doubles ("-12.50", "1e300"): a
// number and nothing that could end the literal.
bool is_number_text(std::string_view text) {
  double ignored = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ignored);
  return ec == std::errc() && end == text.data() + text.size() &&
         text.find_first_of("0123456789") != std::string_view::npos;
}

bool is_hex_text(std::string_view text) {
  return text.size() % 2 == 0 &&
         text.find_first_not_of("0123456789ABCDEFabcdef") == std::string_view::npos;
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (const char ch : name) {
    if (ch == '`') out += '`';
    out += ch;
  }
  out += '`';
  return out;
}

PageKeyColumn page_key_column(const ColumnInfo& column) {
  PageKeyColumn key;
  key.quoted_name = quote_identifier(column.name);
  key.select = key.quoted_name;
  switch (column.type) {
    case ColumnType::kTiny:
    case ColumnType::kShort:
    case ColumnType::kInt24:
    case ColumnType::kLong:
    case ColumnType::kLongLong:
    case ColumnType::kNewDecimal:
    case ColumnType::kDecimal:
      key.literal = KeyLiteral::kNumber;
      break;
    case ColumnType::kFloat:
    case ColumnType::kDouble:
      key.select = fmt::format("({} + 0E0)", key.quoted_name);
      key.literal = KeyLiteral::kNumber;
      break;
    case ColumnType::kYear:
    case ColumnType::kEnum:
    case ColumnType::kSet:
    case ColumnType::kBit:
      key.select = fmt::format("({} + 0)", key.quoted_name);
      key.literal = KeyLiteral::kNumber;
      break;
    case ColumnType::kString:
    case ColumnType::kVarchar:
    case ColumnType::kVarString:
    case ColumnType::kBlob:
    case ColumnType::kTinyBlob:
    case ColumnType::kMediumBlob:
    case ColumnType::kLongBlob:
      if (column.encoding == TextEncoding::kBinary) {
        key.select = fmt::format("HEX({})", key.quoted_name);
        key.literal = KeyLiteral::kHex;
      }
      break;
    case ColumnType::kGeometry:
      key.select = fmt::format("HEX({})", key.quoted_name);
      key.literal = KeyLiteral::kHex;
      break;
    default:
      break;
  }
  return key;
}

std::string key_literal(const PageKeyColumn& column, std::string_view text, const QuoteFn& quote) {
  switch (column.literal) {
    case KeyLiteral::kNumber:
      if (!is_number_text(text)) break;
      return std::string(text);
    case KeyLiteral::kHex:
      if (!is_hex_text(text)) break;
      return fmt::format("X'{}'", text);
    case KeyLiteral::kQuoted:
      return quote(text);
  }
  throw SourceError(
      fmt::format("\"{}\" cannot be a key of column {}: the checkpoint was not "
                  "written for this table as it is now",
                  text.substr(0, 40), column.quoted_name));
}

std::string after_key_condition(const std::vector<PageKeyColumn>& key,
                                const std::vector<std::string>& literals) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += " OR ";
    out += '(';
    for (size_t j = 0; j < i; ++j) {
      out += fmt::format("{} = {} AND ", key[j].quoted_name, literals[j]);
    }
    out += fmt::format("{} > {})", key[i].quoted_name, literals[i]);
  }
  return out;
}

}  // namespace cdc::mysql
