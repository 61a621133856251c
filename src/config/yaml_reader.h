// Strict reading of YAML mappings with errors that name file, line, column and key.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "config/env_expand.h"

namespace cdc::config {

// Reads one YAML file's nodes. Every accessor throws cdc::ConfigError with
// "file:line:col: key: what was expected", and scalars have ${ENV} expanded.
class YamlReader {
 public:
  // `base_dir`: the folder relative *_file paths are read from (the file's own); empty:
  // the working directory.
  YamlReader(std::string file, EnvLookup env, std::filesystem::path base_dir = {})
      : file_(std::move(file)), env_(std::move(env)), base_dir_(std::move(base_dir)) {}

  // "file:line:col" of a node (1-based, as editors count).
  std::string where(const YAML::Node& node) const;

  [[noreturn]] void fail(const YAML::Node& node, std::string_view key,
                         std::string_view message) const;

  // Every key of `map` must be in `allowed`; the first unknown one is an error that
  // lists what is allowed. `map` must be a mapping.
  void require_keys(const YAML::Node& map, std::string_view context,
                    std::initializer_list<std::string_view> allowed) const;

  // Scalar children; `key` is the full dotted key for messages ("sink.url"). `map` must
  // be a mapping (else the error names the key's parent, "sink").
  std::string string(const YAML::Node& map, std::string_view name, std::string_view key,
                     const std::string& fallback) const;
  std::string required_string(const YAML::Node& map, std::string_view name,
                              std::string_view key) const;
  // `name` itself, or `name_file` whose content (trailing newline removed) is the value;
  // a relative `name_file` path is relative to `base_dir`.
  std::string secret(const YAML::Node& map, std::string_view name, std::string_view key,
                     bool required) const;
  int64_t integer(const YAML::Node& map, std::string_view name, std::string_view key,
                  int64_t fallback, int64_t min, int64_t max) const;
  double number(const YAML::Node& map, std::string_view name, std::string_view key, double fallback,
                double min, double max) const;
  bool boolean(const YAML::Node& map, std::string_view name, std::string_view key,
               bool fallback) const;
  // A scalar that must be one of `choices`.
  std::string choice(const YAML::Node& map, std::string_view name, std::string_view key,
                     const std::string& fallback,
                     std::initializer_list<std::string_view> choices) const;

  const std::string& file() const { return file_; }
  // The keys ("sink.secret") whose secret() came from a literal in the file rather than
  // from ${ENV} or a *_file, in the order read.
  const std::vector<std::string>& literal_secret_keys() const { return literal_secret_keys_; }

 private:
  std::string scalar(const YAML::Node& node, std::string_view key) const;
  // map[name], after checking that `map` is a mapping: yaml-cpp throws its own
  // exceptions when a scalar or sequence is indexed by a name.
  YAML::Node child(const YAML::Node& map, std::string_view name, std::string_view key) const;

  std::string file_;
  EnvLookup env_;
  std::filesystem::path base_dir_;
  mutable std::vector<std::string> literal_secret_keys_;
};

}  // namespace cdc::config
