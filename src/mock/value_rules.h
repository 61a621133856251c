// The rules every attribute value obeys, wherever it is sent (customer fields, array
// items, event data), from the Retainly API text:
//   - "Attribute value could not be an associative array": no object as a value;
//   - "Array items could have only 1 nesting layer of arrays in the attribute value":
//     an array holds scalars or objects; such an object may hold arrays (the one layer)
//     whose items are scalars or objects of scalars only;
//   - "The maximum length for string attributes value is 1000 chars", counted in
//     Unicode code points, at any depth.
// Pure functions; they report the first problem found and where it is.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cdc::mock {

inline constexpr size_t kMaxStringChars = 1000;

// One broken rule. `path` is a JSON array of keys (strings) and indexes (numbers) from
// the value checked down to the offending value; empty when it is the value itself.
struct ValueProblem {
  nlohmann::json path = nlohmann::json::array();
  std::string msg;
  std::string type;
};

// Code points in a UTF-8 string (nlohmann's parser has already refused ill-formed UTF-8).
size_t count_code_points(std::string_view utf8);

// A string longer than kMaxStringChars is a problem; any other value is not.
std::optional<ValueProblem> check_string_length(const nlohmann::json& value);

// A customer field or event data value: a scalar, or an array of scalars and objects.
std::optional<ValueProblem> check_attribute_value(const nlohmann::json& value);

// An item of a customer array (an object inside an attribute's array, or one entry of
// POST /arrays "data"): an object whose values are scalars or arrays, each array being
// the one nesting layer.
std::optional<ValueProblem> check_array_item(const nlohmann::json& item);

}  // namespace cdc::mock
