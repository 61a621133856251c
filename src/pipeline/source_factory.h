// Builds the reader a connector config asks for.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "config/connector_config.h"
#include "connectors/mysql/mysql_connection.h"
#include "core/change_source.h"
#include "core/instance_lock.h"
#include "core/row_fetcher.h"
#include "core/table_schema.h"
#include "core/watermark_writer.h"

namespace cdc::pipeline {

// The lock that lets only one of several instances on the same config stream.
std::unique_ptr<InstanceLock> make_instance_lock(const config::ConnectorConfig& config);

// Throws cdc::ConfigError for a source type this build cannot read. A read-only source
// (dry runs) writes nothing durable, neither to the source nor to state_dir: PostgreSQL
// requires the publication to publish `tables` already and streams from a temporary slot
// of its own; MySQL/MariaDB registers as another replica (the server id with its top bit
// flipped) and never stores its position; big transactions spill to a temporary
// directory instead of state_dir.
std::unique_ptr<ChangeSource> make_source(const config::ConnectorConfig& config,
                                          const std::vector<TableId>& tables,
                                          bool read_only = false);

// Reads again the rows of updates that left out values (PostgreSQL's unchanged TOAST),
// through an ordinary connection of its own made on first use; nullptr for MySQL/MariaDB,
// whose FULL row images carry every value.
std::unique_ptr<RowFetcher> make_row_fetcher(const config::ConnectorConfig& config);

// Writes snapshot watermarks into the source log: a logical message (PostgreSQL) or a row
// of source.watermark_table (MySQL/MariaDB). Connects on first use.
std::unique_ptr<WatermarkWriter> make_watermark_writer(const config::ConnectorConfig& config);

// Whether streaming would resume from a point taken earlier: the PostgreSQL slot exists,
// or a MySQL/MariaDB position is stored in state_dir. Throws SourceError when PostgreSQL
// cannot be asked.
bool stream_start_exists(const config::ConnectorConfig& config);

// Where streaming would resume (ChangeSource::resumed_after) without starting it: the
// PostgreSQL slot's confirmed position, the MySQL/MariaDB position file's transaction
// (ResumePoint::after); nullopt when there is no slot or none is stored. For a backfill,
// which checks the last-sent store against it as a stream's start does, and for dry runs
// that warn of a stale store. (For a MySQL pair the owner file, ChangedFilter::
// set_owner_file, makes the same check a second way, also for a position file written
// before it recorded its transaction.) Throws SourceError when PostgreSQL cannot be
// asked or the position file cannot be read.
std::optional<Position> stream_resume_position(const config::ConnectorConfig& config);

// Where a source keeps transactions beyond memory_budget_mb (spill/) and prepared MySQL
// XA transactions (mysql-xa/): state_dir, or for a dry run a directory of its own under
// the system's temporary directory, removed when the source goes.
std::filesystem::path scratch_dir(const config::ConnectorConfig& config, bool dry_run);

// Removes the scratch directories that dry runs left under `parent` when they were killed
// before their source could remove them: those whose process is gone. Those of live
// processes stay, and so do those this user may not remove. Returns how many went.
size_t remove_stale_dry_run_dirs(const std::filesystem::path& parent);

// How Connector/C is to connect for source.* of a mysql config (TLS as source.tls says).
mysql::MysqlConnectOptions mysql_connect_options(const config::MysqlSourceConfig& my);

}  // namespace cdc::pipeline
