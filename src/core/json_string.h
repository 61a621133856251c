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

// Appends `text` as append_json_string() does if it is ASCII that needs no escape (most
// text values), checked and copied in one pass, and says whether it did; otherwise leaves
// `out` as it was. A caller that must also know the text is valid UTF-8 is spared that
// second pass for such text.
bool append_plain_ascii_json_string(std::string& out, std::string_view text);

// Whether append_json_string() would escape a byte of `text`.
bool needs_json_escape(std::string_view text);

// `"name":json` written at `at`, for callers that make room for several members at once;
// returns the end. REQUIRES: !needs_json_escape(name), and plain_json_member_size() bytes
// of room.
inline size_t plain_json_member_size(std::string_view name, std::string_view json) {
  return name.size() + json.size() + 3;
}
char* put_plain_json_member(char* at, std::string_view name, std::string_view json);

// Appends the object member `"name":json`, where `json` is already JSON text. The name is
// escaped as append_json_string() does; one that needs no escape (most) is written with
// the value in one growth of `out`: request bodies write one member per field.
void append_json_member(std::string& out, std::string_view name, std::string_view json);

}  // namespace cdc
