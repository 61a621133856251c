// What a reload (SIGHUP) cannot apply: the config keys that changed between the text the
// daemon started with and the file as it is now, other than the mappings and their
// defaults, which a reload does apply.
#pragma once

#include <string>
#include <vector>

namespace cdc::config {

// Dotted keys ("sink.url", "source", "metrics") whose values differ between two versions
// of a connector config, compared as YAML (comments and formatting do not count),
// leaving out `mappings` and `mapping_defaults`. A key one version lacks counts as
// changed. Sections are compared key by key one level down. Throws ConfigError when
// either text is not YAML.
std::vector<std::string> keys_needing_restart(const std::string& started_with,
                                              const std::string& now);

}  // namespace cdc::config
