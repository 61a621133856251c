// Builds the reader a connector config asks for.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "config/connector_config.h"
#include "connectors/mysql/mysql_connection.h"
#include "core/change_source.h"
#include "core/instance_lock.h"
#include "core/table_schema.h"

namespace cdc::pipeline {

// The lock that lets only one of several instances on the same config stream.
std::unique_ptr<InstanceLock> make_instance_lock(const config::ConnectorConfig& config);

// Throws cdc::ConfigError for a source type this build cannot read. A read-only source
// (dry runs) never moves the source's committed position and spills big transactions to
// a temporary directory instead of state_dir.
std::unique_ptr<ChangeSource> make_source(const config::ConnectorConfig& config,
                                          const std::vector<TableId>& tables,
                                          bool read_only = false);

// Where a source keeps transactions beyond memory_budget_mb (spill/) and prepared MySQL
// XA transactions (mysql-xa/): state_dir, or for a dry run a directory of its own under
// the system's temporary directory, removed when the source goes.
std::filesystem::path scratch_dir(const config::ConnectorConfig& config, bool dry_run);

// How Connector/C is to connect for source.* of a mysql config (TLS as source.tls says).
mysql::MysqlConnectOptions mysql_connect_options(const config::MysqlSourceConfig& my);

}  // namespace cdc::pipeline
