// Counting the records of an API request body without parsing it into a document: what
// retainly-mock's --count-only mode answers from, so the mock costs little CPU per
// request and benchmarks measure the connector, not the mock. A single pass over the
// bytes that tracks nesting and skips strings; it checks only the structure it walks,
// never values (that is what the validating mode is for).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace cdc::mock {

// The number of elements in the array under `key` at the top level of the JSON object
// `body` ({"customers": [...]} and so on), or nullopt when the body is not an object,
// has no such key, the key's value is not an array, or brackets or strings do not close.
// Escapes inside strings are honoured; everything else is taken on trust.
std::optional<size_t> count_array_elements(std::string_view body, std::string_view key);

}  // namespace cdc::mock
