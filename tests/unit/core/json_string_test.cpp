#include "core/json_string.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace cdc {
namespace {

// The escaping JSON asks for, one byte at a time.
std::string reference(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (byte < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

TEST_CASE("json string: every byte that needs an escape is found at every offset") {
  const std::string plain = "abcdefghijklmnopqrstuvwxyz0\x7f\x80\xff";  // high bytes pass
  for (int special = 0; special < 0x100; ++special) {
    for (size_t at = 0; at <= plain.size(); ++at) {
      std::string text = plain;
      text.insert(at, 1, static_cast<char>(special));
      std::string out = "x";
      append_json_string(out, text);
      REQUIRE_MESSAGE(out == "x" + reference(text), "byte ", special, " at ", at);
    }
  }
  std::string out;
  append_json_string(out, "");
  CHECK(out == "\"\"");
}

}  // namespace
}  // namespace cdc
