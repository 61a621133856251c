// Builds the reader a connector config asks for.
#pragma once

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
// (dry runs) writes nothing durable, neither to the source nor to state_dir: PostgreSQL
// requires the publication to publish `tables` already and streams from a temporary slot
// of its own; MySQL/MariaDB registers as another replica (the server id with its top bit
// flipped) and never stores its position.
std::unique_ptr<ChangeSource> make_source(const config::ConnectorConfig& config,
                                          const std::vector<TableId>& tables,
                                          bool read_only = false);

// How Connector/C is to connect for source.* of a mysql config (TLS as source.tls says).
mysql::MysqlConnectOptions mysql_connect_options(const config::MysqlSourceConfig& my);

}  // namespace cdc::pipeline
