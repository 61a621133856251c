#include "mock/record_count.h"

#include <array>
#include <cstring>

namespace cdc::mock {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(std::string_view text, size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

// `at` is just past an opening quote; returns the index just past the closing one, or
// npos when the string does not close. A quote closes the string unless an odd number of
// backslashes stands right before it (each pair is an escaped backslash). memchr jumps
// to each quote: counting per character was most of bench-sink's CPU (perf: 71% in
// skip_value for the 2M-change MySQL stream).
size_t skip_string(std::string_view text, size_t at) {
  const size_t content = at;
  while (at < text.size()) {
    const void* found = std::memchr(text.data() + at, '"', text.size() - at);
    if (found == nullptr) return std::string_view::npos;
    const size_t quote = static_cast<size_t>(static_cast<const char*>(found) - text.data());
    size_t backslashes = 0;
    while (quote - backslashes > content && text[quote - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) return quote + 1;
    at = quote + 1;
  }
  return std::string_view::npos;
}

// The characters skip_value() looks at; it passes over the others (digits, letters,
// spaces, ':') a table lookup each.
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> table{};
  for (const unsigned char c : std::string_view("\"[]{},")) table[c] = true;
  return table;
}();

// Skips one value starting at `at` (space already skipped): a string, or anything up to
// the ',' or closing bracket that ends it at its own depth. Returns the index just past
// it, or npos when a bracket or string does not close.
size_t skip_value(std::string_view text, size_t at) {
  size_t depth = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (!kStructural[static_cast<unsigned char>(c)]) {
      ++at;
      continue;
    }
    if (c == '"') {
      at = skip_string(text, at + 1);
      if (at == std::string_view::npos) return at;
      if (depth == 0) return at;
      continue;
    }
    if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (depth == 0) return at;  // the container around the value ends
      if (--depth == 0) return at + 1;
    } else if (depth == 0) {  // ','
      return at;
    }
    ++at;
  }
  return depth == 0 ? at : std::string_view::npos;
}

// `at` is just past '['; counts its elements and returns the count, or nullopt.
std::optional<size_t> count_elements(std::string_view text, size_t at) {
  at = skip_space(text, at);
  if (at < text.size() && text[at] == ']') return 0;
  size_t count = 0;
  while (at < text.size()) {
    at = skip_value(text, skip_space(text, at));
    if (at == std::string_view::npos) return std::nullopt;
    ++count;
    at = skip_space(text, at);
    if (at >= text.size()) return std::nullopt;
    if (text[at] == ']') return count;
    if (text[at] != ',') return std::nullopt;
    ++at;
  }
  return std::nullopt;
}

}  // namespace

std::optional<size_t> count_array_elements(std::string_view body, std::string_view key) {
  size_t at = skip_space(body, 0);
  if (at >= body.size() || body[at] != '{') return std::nullopt;
  ++at;
  while (true) {
    at = skip_space(body, at);
    if (at >= body.size() || body[at] != '"') return std::nullopt;
    const size_t name_start = at + 1;
    at = skip_string(body, name_start);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view name = body.substr(name_start, at - 1 - name_start);
    at = skip_space(body, at);
    if (at >= body.size() || body[at] != ':') return std::nullopt;
    at = skip_space(body, at + 1);
    if (name == key) {
      if (at >= body.size() || body[at] != '[') return std::nullopt;
      return count_elements(body, at + 1);
    }
    at = skip_value(body, at);
    if (at == std::string_view::npos) return std::nullopt;
    at = skip_space(body, at);
    if (at >= body.size() || body[at] != ',') return std::nullopt;  // '}': key not there
    ++at;
  }
}

}  // namespace cdc::mock
