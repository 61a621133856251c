// `transform:` on text values. ASCII only: lower/upper leave non-ASCII letters as they
// are (locale-independent, so the same row always gives the same bytes).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cdc::mapping {

enum class Transform { kLower, kUpper, kTrim };

std::optional<Transform> parse_transform(std::string_view name);

// Applied in order. trim removes ASCII whitespace (space, \t, \n, \v, \f, \r) at both ends.
void apply_transforms(std::string& text, std::span<const Transform> transforms);

}  // namespace cdc::mapping
