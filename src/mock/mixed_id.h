// Retainly ids are "mixed" (PRODUCT.md, settled ambiguities): a customer id or an array
// item id is a JSON number or a non-empty string, and 1 and "1" name the same thing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cdc::mock {

// True for a number or a non-empty string. Booleans, null, arrays and objects are not ids.
bool is_valid_id(const nlohmann::json& id);

// The identity of an id: a string's own text (without quotes), a number's JSON text.
// So 1 and "1" give the same key, while "01" stays apart from 1.
// REQUIRES: is_valid_id(id).
std::string id_key(const nlohmann::json& id);

}  // namespace cdc::mock
