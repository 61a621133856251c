#include "config/yaml_reader.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/errors.h"

namespace cdc::config {

std::string YamlReader::where(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return file_;
  return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void YamlReader::fail(const YAML::Node& node, std::string_view key,
                      std::string_view message) const {
  throw ConfigError(where(node) + ": " + std::string(key) + ": " + std::string(message));
}

void YamlReader::require_keys(const YAML::Node& map, std::string_view context,
                              std::initializer_list<std::string_view> allowed) const {
  if (!map.IsMap()) fail(map, context, "expected a mapping of keys to values");
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      fail(entry.first, context.empty() ? "(top level)" : context,
           "keys must be plain names, not lists or mappings");
    }
    const std::string name = entry.first.Scalar();
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (known) continue;
    std::string list;
    for (auto a : allowed) {
      if (!list.empty()) list += ", ";
      list += a;
    }
    std::string full = context.empty() ? name : std::string(context) + "." + name;
    fail(entry.first, full, "unknown key; expected one of: " + list);
  }
}

YAML::Node YamlReader::child(const YAML::Node& map, std::string_view name,
                             std::string_view key) const {
  if (!map.IsMap()) {
    const auto dot = key.rfind('.');
    fail(map, dot == std::string_view::npos ? key : key.substr(0, dot),
         "expected a mapping of keys to values");
  }
  return map[std::string(name)];
}

std::string YamlReader::scalar(const YAML::Node& node, std::string_view key) const {
  if (!node.IsScalar()) fail(node, key, "expected a single value");
  try {
    return expand_env(node.Scalar(), env_);
  } catch (const std::invalid_argument& e) {
    fail(node, key, e.what());
  }
}

std::string YamlReader::string(const YAML::Node& map, std::string_view name, std::string_view key,
                               const std::string& fallback) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) return fallback;
  return scalar(node, key);
}

std::string YamlReader::required_string(const YAML::Node& map, std::string_view name,
                                        std::string_view key) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) fail(map, key, "is required");
  std::string value = scalar(node, key);
  if (value.empty()) fail(node, key, "must not be empty");
  return value;
}

std::string YamlReader::secret(const YAML::Node& map, std::string_view name, std::string_view key,
                               bool required) const {
  const std::string file_name = std::string(name) + "_file";
  YAML::Node direct = child(map, name, key);
  YAML::Node from_file = child(map, file_name, key);
  if (direct && !direct.IsNull() && from_file && !from_file.IsNull()) {
    fail(from_file, std::string(key) + "_file",
         "give either " + std::string(name) + " or " + file_name + ", not both");
  }
  if (from_file && !from_file.IsNull()) {
    std::filesystem::path given(scalar(from_file, std::string(key) + "_file"));
    const std::string path = (given.is_relative() && !base_dir_.empty() ? base_dir_ / given : given)
                                 .lexically_normal()
                                 .string();
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(from_file, std::string(key) + "_file", "cannot read \"" + path + "\"");
    std::stringstream content;
    content << in.rdbuf();
    std::string value = content.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty() && required) {
      fail(from_file, std::string(key) + "_file", "\"" + path + "\" is empty");
    }
    return value;
  }
  if (direct && direct.IsScalar() && !direct.Scalar().empty() &&
      direct.Scalar().find("${") == std::string::npos) {
    literal_secret_keys_.emplace_back(key);
  }
  if (required) return required_string(map, name, key);
  return string(map, name, key, "");
}

int64_t YamlReader::integer(const YAML::Node& map, std::string_view name, std::string_view key,
                            int64_t fallback, int64_t min, int64_t max) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) return fallback;
  const std::string text = scalar(node, key);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    fail(node, key, "expected a whole number, got \"" + text + "\"");
  }
  if (value < min || value > max) {
    fail(
        node, key,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text);
  }
  return value;
}

double YamlReader::number(const YAML::Node& map, std::string_view name, std::string_view key,
                          double fallback, double min, double max) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) return fallback;
  const std::string text = scalar(node, key);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    fail(node, key, "expected a number, got \"" + text + "\"");
  }
  if (value < min || value > max) {
    fail(node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

bool YamlReader::boolean(const YAML::Node& map, std::string_view name, std::string_view key,
                         bool fallback) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) return fallback;
  const std::string text = scalar(node, key);
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(node, key, "expected true or false, got \"" + text + "\"");
}

std::string YamlReader::choice(const YAML::Node& map, std::string_view name, std::string_view key,
                               const std::string& fallback,
                               std::initializer_list<std::string_view> choices) const {
  YAML::Node node = child(map, name, key);
  if (!node || node.IsNull()) return fallback;
  const std::string text = scalar(node, key);
  std::string list;
  for (auto c : choices) {
    if (c == text) return text;
    if (!list.empty()) list += ", ";
    list += c;
  }
  fail(node, key, "expected one of " + list + ", got \"" + text + "\"");
}

}  // namespace cdc::config
