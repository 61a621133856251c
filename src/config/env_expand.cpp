#include "config/env_expand.h"

#include <cstdlib>
#include <stdexcept>

namespace cdc::config {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::string expand_env(std::string_view text, const EnvLookup& env) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw std::invalid_argument("unterminated ${ in \"" + std::string(text.substr(i)) + "\"");
    }
    std::string name(text.substr(i + 2, close - i - 2));
    if (name.empty()) throw std::invalid_argument("empty ${} reference");
    for (char c : name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
        throw std::invalid_argument("invalid environment variable name \"" + name + "\"");
      }
    }
    auto value = env(name);
    if (!value) {
      throw std::invalid_argument("environment variable " + name + " is not set");
    }
    out += *value;
    i = close;
  }
  return out;
}

}  // namespace cdc::config
