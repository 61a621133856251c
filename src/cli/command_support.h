// What every subcommand does first: read the config, set up logging and redaction, load
// the mappings.
#pragma once

#include <string>

#include "config/connector_config.h"
#include "mapping/mapper.h"

namespace cdc::cli {

// Loads the config (ConfigError on problems), initialises logging from it and registers
// every secret it holds for redaction.
config::ConnectorConfig load_config(const std::string& path);

// Loads the mapping folder with the config's mapping defaults.
mapping::Mapper load_mapper(const config::ConnectorConfig& config);

}  // namespace cdc::cli
