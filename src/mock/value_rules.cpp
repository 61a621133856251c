#include "mock/value_rules.h"

#include <utility>

namespace cdc::mock {
namespace {

using nlohmann::json;

ValueProblem problem(std::string msg, std::string type) {
  return ValueProblem{json::array(), std::move(msg), std::move(type)};
}

ValueProblem associative_array() {
  return problem("attribute value could not be an associative array",
                 "type_error.associative_array");
}

ValueProblem too_deep() {
  return problem("array items could have only 1 nesting layer of arrays", "value_error.nesting");
}

template <typename Step>
std::optional<ValueProblem> under(Step&& step, std::optional<ValueProblem> found) {
  if (found) found->path.insert(found->path.begin(), json(std::forward<Step>(step)));
  return found;
}

std::optional<ValueProblem> check_item_object(const json& item, bool inside_nested_array);

// One array: items are scalars or objects; `nested` says this array already is the one
// nesting layer inside an array item, so its objects may hold no arrays.
std::optional<ValueProblem> check_array(const json& array, bool nested) {
  size_t index = 0;
  for (const json& item : array) {
    std::optional<ValueProblem> found;
    if (item.is_array()) {
      found = nested ? too_deep()
                     : problem("array items must be scalars or objects", "type_error.nested_array");
    } else if (item.is_object()) {
      found = check_item_object(item, nested);
    } else {
      found = check_string_length(item);
    }
    if (found) return under(index, std::move(found));
    ++index;
  }
  return std::nullopt;
}

std::optional<ValueProblem> check_item_object(const json& item, bool inside_nested_array) {
  for (const auto& [key, value] : item.items()) {
    std::optional<ValueProblem> found;
    if (value.is_object()) {
      found = associative_array();
    } else if (value.is_array()) {
      found = inside_nested_array ? too_deep() : check_array(value, /*nested=*/true);
    } else {
      found = check_string_length(value);
    }
    if (found) return under(key, std::move(found));
  }
  return std::nullopt;
}

}  // namespace

size_t count_code_points(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) {
    // Continuation bytes are 10xxxxxx; every other byte starts a code point.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::optional<ValueProblem> check_string_length(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  // A string of at most kMaxStringChars bytes cannot have more code points.
  if (text.size() <= kMaxStringChars || count_code_points(text) <= kMaxStringChars) {
    return std::nullopt;
  }
  return problem("ensure this value has at most 1000 characters", "value_error.any_str.max_length");
}

std::optional<ValueProblem> check_attribute_value(const json& value) {
  if (value.is_object()) return associative_array();
  if (value.is_array()) return check_array(value, /*nested=*/false);
  return check_string_length(value);
}

std::optional<ValueProblem> check_array_item(const json& item) {
  if (!item.is_object()) return problem("array item must be an object", "type_error.dict");
  return check_item_object(item, /*inside_nested_array=*/false);
}

}  // namespace cdc::mock
