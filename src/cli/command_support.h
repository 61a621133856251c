// What every subcommand does first: read the config, set up logging and redaction, load
// the mappings.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/connector_config.h"
#include "core/instance_lock.h"
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

// For a command that must not run beside a daemon streaming the same source: takes the
// daemon's instance lock, to be held until the command ends (a daemon started meanwhile
// waits as a standby). While a daemon holds it, prints "<command>: a daemon streams from
// this source (...); <why>" and returns nullptr.
std::unique_ptr<InstanceLock> lock_out_daemon(const config::ConnectorConfig& config,
                                              std::string_view command, std::string_view why);

}  // namespace cdc::cli
