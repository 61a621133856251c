// Builds the readers of current rows a connector config's source asks for, so commands
// do not pick reader types by hand.
#pragma once

#include "config/connector_config.h"
#include "pipeline/backfill.h"

namespace cdc::pipeline {

// A factory that opens, per call, a reader of one table on a connection of its own with
// a snapshot of its own (PostgreSQL: PgBackfillReader; MySQL/MariaDB: MysqlTableReader).
// The factory copies what it needs from `config`; the readers throw SourceError when the
// server cannot be reached or the table read.
TableReaderFactory table_reader_factory(const config::ConnectorConfig& config);

}  // namespace cdc::pipeline
