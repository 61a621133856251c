// UTF-8 handling for values sent to Retainly: JSON text must be valid UTF-8, and string
// limits count code points, not bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cdc::mapping {

bool is_valid_utf8(std::string_view text);

// Appends `text` with every ill-formed sequence replaced by U+FFFD, one replacement per
// maximal ill-formed subpart (Unicode 15, section 3.9), so the result is valid UTF-8.
void append_valid_utf8(std::string& out, std::string_view text);

// REQUIRES: `text` is valid UTF-8.
size_t count_code_points(std::string_view text);

// Bytes taken by the first `count` code points of `text` (all of it when shorter).
// REQUIRES: `text` is valid UTF-8.
size_t code_point_prefix_bytes(std::string_view text, size_t count);

}  // namespace cdc::mapping
