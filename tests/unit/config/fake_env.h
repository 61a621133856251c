// An environment for config tests: exactly the variables given, nothing from the process.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "config/env_expand.h"

namespace cdc::test {

inline config::EnvLookup fake_env(std::map<std::string, std::string> vars = {}) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace cdc::test
