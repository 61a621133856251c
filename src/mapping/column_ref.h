// How compiled mappings name columns: a slot in the mapping's own column list (resolved
// to the table's column index once per schema), and which row image to read.
#pragma once

#include <cstdint>
#include <string_view>

namespace cdc::mapping {

enum class Image : uint8_t {
  kCurrent,  // `col`: the new image, or the old one when the change removes the row
  kBefore,   // `before.col`
  kAfter,    // `after.col`
};

struct ColumnRef {
  Image image = Image::kCurrent;
  uint32_t slot = 0;
};

// "before.plan" -> {kBefore, "plan"}; "plan" -> {kCurrent, "plan"}. Only the first dot
// after a before/after prefix splits.
struct ImageColumn {
  Image image = Image::kCurrent;
  std::string_view name;
};
inline ImageColumn split_image_prefix(std::string_view text) {
  if (text.starts_with("before.")) return {Image::kBefore, text.substr(7)};
  if (text.starts_with("after.")) return {Image::kAfter, text.substr(6)};
  return {Image::kCurrent, text};
}

}  // namespace cdc::mapping
