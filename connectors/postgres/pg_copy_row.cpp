#include "connectors/postgres/pg_copy_row.h"

namespace cdc::pg {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// The text of an escaped field (one without a raw tab or newline) into `out`; false when
// it ends in a lone backslash.
bool unescape(std::string_view text, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return false;
    const char c = text[i];
    switch (c) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
        if (i + 1 < text.size() && hex_value(text[i + 1]) >= 0) {
          int byte = hex_value(text[++i]);
          if (i + 1 < text.size() && hex_value(text[i + 1]) >= 0) {
            byte = byte * 16 + hex_value(text[++i]);
          }
          out.push_back(static_cast<char>(byte));
        } else {
          out.push_back('x');
        }
        break;
      default:
        if (is_octal(c)) {
          int byte = c - '0';
          for (int n = 1; n < 3 && i + 1 < text.size() && is_octal(text[i + 1]); ++n) {
            byte = byte * 8 + (text[++i] - '0');
          }
          out.push_back(static_cast<char>(byte & 0xff));
        } else {
          out.push_back(c);  // \\ and any other character stand for themselves
        }
        break;
    }
  }
  return true;
}

}  // namespace

bool PgCopyRow::split(std::string_view line, size_t fields) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  fields_.clear();
  if (unescaped_.size() < fields) unescaped_.resize(fields);
  // Most rows hold no backslash at all, so no NULL and no escape: one search of the row
  // spares one of every field.
  const bool plain = line.find('\\') == std::string_view::npos;
  size_t start = 0;
  for (size_t i = 0; i < fields; ++i) {
    // An escaped tab is "\t" in the text, so the raw tab always ends a field.
    size_t end = line.find('\t', start);
    if (end == std::string_view::npos) {
      if (i + 1 != fields) return false;
      end = line.size();
    } else if (i + 1 == fields) {
      return false;  // more fields than expected
    }
    const std::string_view text = line.substr(start, end - start);
    if (plain) {
      fields_.emplace_back(text);
    } else if (text == "\\N") {
      fields_.emplace_back(std::nullopt);
    } else if (text.find('\\') == std::string_view::npos) {
      fields_.emplace_back(text);
    } else {
      if (!unescape(text, unescaped_[i])) return false;
      fields_.emplace_back(unescaped_[i]);
    }
    start = end + 1;
  }
  return true;
}

}  // namespace cdc::pg
