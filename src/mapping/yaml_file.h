// Strict reading of one mapping file's YAML: every failure is a cdc::ConfigError reading
// "file:line:column: key: what was expected", with line and column from yaml-cpp's marks
// (1-based, as editors count).
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>

namespace cdc::mapping {

class YamlFile {
 public:
  explicit YamlFile(std::string file_name) : file_(std::move(file_name)) {}

  // Parses `text`; YAML syntax errors become ConfigErrors at their mark.
  YAML::Node parse(std::string_view text) const;

  const std::string& file() const { return file_; }
  std::string where(const YAML::Node& node) const;

  [[noreturn]] void fail(const YAML::Node& node, std::string_view key,
                         std::string_view message) const;
  // For errors inside a scalar's text (an expression, a template): points at `offset`
  // bytes into the scalar when the scalar is on one line, else at the scalar.
  [[noreturn]] void fail_in_text(const YAML::Node& node, std::string_view key, size_t offset,
                                 std::string_view message) const;

  // `node` must be a mapping whose keys are all in `allowed`, each once.
  void check_keys(const YAML::Node& node, std::string_view key,
                  std::initializer_list<std::string_view> allowed) const;
  // `node` must be a mapping (of any keys, each once).
  void require_map(const YAML::Node& node, std::string_view key, std::string_view what) const;

  // A scalar's text; anything else is an error saying `what` was expected.
  std::string scalar(const YAML::Node& node, std::string_view key, std::string_view what) const;
  bool boolean(const YAML::Node& node, std::string_view key) const;

 private:
  std::string file_;
};

// "customer.fields.plan"
std::string join_key(std::string_view parent, std::string_view child);

}  // namespace cdc::mapping
