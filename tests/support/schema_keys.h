// For the tests that keep schema/*.schema.json and the loaders in step: the keys a schema
// object describes, and the keys a loader's "unknown key" error lists as allowed.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

namespace cdc::test {

inline std::set<std::string> schema_keys(const nlohmann::json& object_schema) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object_schema.at("properties").items()) keys.insert(key);
  return keys;
}

// From "...: unknown key; expected one of[:] a, b, c" (the config's and the mappings'
// wording); fails the test case when `error` is not such a message.
inline std::set<std::string> allowed_keys(const std::string& error) {
  std::smatch match;
  REQUIRE_MESSAGE(
      std::regex_search(error, match, std::regex("unknown key; expected one of:? (.*)$")), error);
  std::set<std::string> keys;
  const std::string list = match[1];
  for (size_t at = 0; at <= list.size();) {
    const auto comma = list.find(", ", at);
    keys.insert(list.substr(at, comma - at));
    if (comma == std::string::npos) break;
    at = comma + 2;
  }
  return keys;
}

}  // namespace cdc::test
