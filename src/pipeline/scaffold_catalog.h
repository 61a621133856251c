// The source catalog's description of one table, for `retainly-cdc scaffold`
// (scaffold.h): its columns and types, primary key, single-column foreign keys, and what
// old row images carry. Only reads.
#pragma once

#include "config/connector_config.h"
#include "pipeline/scaffold.h"

namespace cdc::pipeline {

// Throws ConfigError when the table does not exist (or the user cannot see it), and
// SourceError when the source cannot be read.
ScaffoldTable describe_table(const config::ConnectorConfig& config, const TableId& table);

}  // namespace cdc::pipeline
