// JSON string literals written straight into a caller's buffer: request bodies, log lines,
// dead letters, dry-run lines and decoded MySQL JSON.
#pragma once

#include <string>
#include <string_view>

namespace cdc {

// Appends `text` to `out` as a JSON string literal, quotes included. Escapes what RFC 8259
// requires (quote, backslash, control characters); other bytes, UTF-8 included, are
// copied unchanged.
void append_json_string(std::string& out, std::string_view text);

}  // namespace cdc
