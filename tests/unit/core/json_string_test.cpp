#include "core/json_string.h"

#include <doctest/doctest.h>

#include <algorithm>
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

TEST_CASE("json string: texts of every length up to three words, escapes at each end") {
  // Lengths below, at and past a word exercise the byte loop, the overlapping last word
  // and the escape found only in that last word.
  for (size_t length = 0; length <= 24; ++length) {
    const std::string plain(length, 'a');
    std::string out;
    append_json_string(out, plain);
    REQUIRE(out == reference(plain));
    for (const char special : {'"', '\\', '\n', '\x01'}) {
      for (const size_t at : {size_t{0}, length / 2, length}) {
        if (length == 0) continue;
        std::string text = plain;
        text[std::min(at, length - 1)] = special;
        text += special;  // and a second escape after the first
        out.clear();
        append_json_string(out, text);
        REQUIRE_MESSAGE(out == reference(text), "length ", length, " at ", at);
      }
    }
  }
}

TEST_CASE("json string: plain ASCII goes out in one pass; anything else is left alone") {
  for (size_t length = 0; length <= 24; ++length) {
    const std::string plain(length, 'a');
    std::string out = "x";
    REQUIRE(append_plain_ascii_json_string(out, plain));
    REQUIRE(out == "x" + reference(plain));
    // A byte to escape or a byte of 0x80 and above, at every offset: refused, `out` as it was.
    for (const char special : {'"', '\\', '\n', '\x01', '\x7f', '\x80', '\xc3', '\xff'}) {
      for (size_t at = 0; at < length; ++at) {
        std::string text = plain;
        text[at] = special;
        out = "x";
        const bool plain_ascii = special == '\x7f';  // DEL is ASCII, and JSON leaves it be
        REQUIRE_MESSAGE(append_plain_ascii_json_string(out, text) == plain_ascii, "length ", length,
                        " at ", at, " byte ", static_cast<int>(special));
        REQUIRE(out == (plain_ascii ? "x" + reference(text) : "x"));
      }
    }
  }
}

TEST_CASE("json string: a member is its escaped name, a colon and the value as given") {
  for (size_t length = 0; length <= 20; ++length) {
    for (const char special : {'a', '"', '\\', '\n'}) {
      std::string name(length, 'n');
      if (length > 0) name[length / 2] = special;
      std::string out = "{";
      append_json_member(out, name, "[1,\"x\"]");
      REQUIRE_MESSAGE(out == "{" + reference(name) + ":[1,\"x\"]", "length ", length);
    }
  }
  std::string out;
  append_json_member(out, "", "");
  CHECK(out == "\"\":");
}

}  // namespace
}  // namespace cdc
