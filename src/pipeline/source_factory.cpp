#include "pipeline/source_factory.h"

#include "connectors/postgres/pg_instance_lock.h"
#include "connectors/postgres/pg_source.h"
#include "core/errors.h"

namespace cdc::pipeline {

std::unique_ptr<InstanceLock> make_instance_lock(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) {
    return std::make_unique<pg::PgInstanceLock>(config.source.postgres.dsn,
                                                config.source.postgres.slot);
  }
  return nullptr;
}

std::unique_ptr<ChangeSource> make_source(const config::ConnectorConfig& config,
                                          const std::vector<TableId>& tables, bool read_only) {
  if (config.source.type == config::SourceType::kPostgres) {
    const auto& pg = config.source.postgres;
    pg::PgSourceOptions options;
    options.dsn = pg.dsn;
    options.slot = pg.slot;
    options.publication = pg.publication;
    options.create_slot = pg.create_slot;
    options.create_publication = pg.create_publication;
    options.tables = tables;
    options.status_interval = pg.status_interval;
    options.heartbeat_interval = pg.heartbeat_interval;
    options.buffer_items = config.source_buffer;
    options.read_only = read_only;
    return std::make_unique<pg::PgSource>(std::move(options));
  }
  throw ConfigError(config.file.string() +
                    ": source.type: mysql is not supported by this build yet");
}

}  // namespace cdc::pipeline
