#include "mapping/yaml_file.h"

#include <set>

#include "core/errors.h"

namespace cdc::mapping {
namespace {

std::string location(const std::string& file, const YAML::Mark& mark, size_t extra_columns) {
  if (mark.line < 0) return file;
  return file + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1 + static_cast<int>(extra_columns));
}

std::string list(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::string join_key(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return std::string(parent) + "." + std::string(child);
}

YAML::Node YamlFile::parse(std::string_view text) const {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError(location(file_, e.mark, 0) + ": invalid YAML: " + e.msg);
  }
}

std::string YamlFile::where(const YAML::Node& node) const {
  return location(file_, node.Mark(), 0);
}

void YamlFile::fail(const YAML::Node& node, std::string_view key, std::string_view message) const {
  std::string text = where(node) + ": ";
  if (!key.empty()) text += std::string(key) + ": ";
  throw ConfigError(text + std::string(message));
}

void YamlFile::fail_in_text(const YAML::Node& node, std::string_view key, size_t offset,
                            std::string_view message) const {
  const std::string& text = node.Scalar();
  size_t extra = 0;
  if (text.find('\n') == std::string::npos) {
    // Quoted scalars ("!" tag) start one column before their text.
    extra = offset + (node.Tag() == "!" ? 1 : 0);
  }
  std::string out = location(file_, node.Mark(), extra) + ": " + std::string(key) + ": ";
  out += std::string(message);
  throw ConfigError(out);
}

void YamlFile::require_map(const YAML::Node& node, std::string_view key,
                           std::string_view what) const {
  if (!node.IsMap()) fail(node, key, "expected " + std::string(what));
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) fail(it->first, key, "keys must be plain names");
    if (!seen.insert(it->first.Scalar()).second) {
      fail(it->first, join_key(key, it->first.Scalar()), "duplicate key");
    }
  }
}

void YamlFile::check_keys(const YAML::Node& node, std::string_view key,
                          std::initializer_list<std::string_view> allowed) const {
  require_map(node, key, "a mapping with keys " + list(allowed));
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& name = it->first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (!known) {
      fail(it->first, join_key(key, name), "unknown key; expected one of " + list(allowed));
    }
  }
}

std::string YamlFile::scalar(const YAML::Node& node, std::string_view key,
                             std::string_view what) const {
  if (!node.IsScalar()) fail(node, key, "expected " + std::string(what));
  return node.Scalar();
}

bool YamlFile::boolean(const YAML::Node& node, std::string_view key) const {
  const std::string text = scalar(node, key, "true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  fail(node, key, "expected true or false, found \"" + text + "\"");
}

}  // namespace cdc::mapping
