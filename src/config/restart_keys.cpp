#include "config/restart_keys.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "core/errors.h"

namespace cdc::config {
namespace {

YAML::Node parse(const std::string& text) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("invalid YAML: ") + e.what());
  }
}

// A node as canonical text, so that equal values compare equal whatever their layout.
std::string canonical(const YAML::Node& node) {
  if (!node) return "<missing>";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

std::set<std::string> keys(const YAML::Node& a, const YAML::Node& b) {
  std::set<std::string> out;
  for (const YAML::Node* node : {&a, &b}) {
    if (!node->IsMap()) continue;
    for (const auto& entry : *node) out.insert(entry.first.as<std::string>());
  }
  return out;
}

}  // namespace

std::vector<std::string> keys_needing_restart(const std::string& started_with,
                                              const std::string& now) {
  const YAML::Node before = parse(started_with);
  const YAML::Node after = parse(now);
  std::vector<std::string> changed;
  for (const std::string& key : keys(before, after)) {
    if (key == "mappings" || key == "mapping_defaults") continue;
    const YAML::Node old_value = before.IsMap() ? before[key] : YAML::Node();
    const YAML::Node new_value = after.IsMap() ? after[key] : YAML::Node();
    if (canonical(old_value) == canonical(new_value)) continue;
    if (!old_value || !new_value || !old_value.IsMap() || !new_value.IsMap()) {
      changed.push_back(key);
      continue;
    }
    for (const std::string& inner : keys(old_value, new_value)) {
      if (canonical(old_value[inner]) != canonical(new_value[inner])) {
        changed.push_back(key + "." + inner);
      }
    }
  }
  return changed;
}

}  // namespace cdc::config
