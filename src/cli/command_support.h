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

// The mapped table `name` ("public.users"; a bare "users" when only one schema has it).
// Throws ConfigError listing the mapped tables when there is none.
TableId mapped_table(const mapping::Mapper& mapper, const std::string& name);

}  // namespace cdc::cli
