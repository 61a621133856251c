// ${ENV_VAR} expansion for configuration values.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cdc::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup process_env();

// Replaces every ${NAME} in `text` with the variable's value; `$$` stands for a literal
// `$`. Throws std::invalid_argument naming the variable when it is unset or the
// reference is malformed (the caller adds file, line and key).
std::string expand_env(std::string_view text, const EnvLookup& env);

}  // namespace cdc::config
