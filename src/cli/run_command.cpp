#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/initial_snapshot.h"
#include "cli/signals.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/mysql_table_reader.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"
#include "ops/health_server.h"
#include "ops/log.h"
#include "pipeline/dry_run.h"
#include "pipeline/metrics_report.h"
#include "pipeline/source_factory.h"
#include "pipeline/stream_pipeline.h"
#include "sink/sink.h"

namespace cdc::cli {
namespace {

// The `metrics:` endpoint, when configured: /metrics, /healthz, /readyz.
std::unique_ptr<ops::HealthServer> start_health_server(const config::ConnectorConfig& config,
                                                       const pipeline::StreamPipeline& stream,
                                                       const sink::Sink& sink,
                                                       const SnapshotBoard& snapshot) {
  if (config.metrics_address.empty()) return nullptr;
  ops::HealthHandlers handlers;
  handlers.metrics = [&stream, &sink, &snapshot] {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return pipeline::metrics_text(
        stream.status(), sink.stats(),
        std::chrono::duration_cast<std::chrono::microseconds>(now).count(), snapshot.tables());
  };
  handlers.readiness = [&stream, &sink] {
    return pipeline::readiness(stream.status(), sink.stats(), sink.failure());
  };
  auto server = std::make_unique<ops::HealthServer>(config.metrics_address, std::move(handlers));
  // The bound port, which differs from the configured one when that is 0 (any free port).
  log::info("metrics on http://{}:{}/metrics, probes on /healthz and /readyz",
            ops::split_host_port(config.metrics_address).first, server->port());
  return server;
}

// MySQL/MariaDB re-snapshots: chunks read on connections of their own, watermarks
// written as rows of source.watermark_table (created on first use), which the binlog
// carries to the reader.
std::unique_ptr<pipeline::Resnapshot> make_mysql_resnapshot(const config::ConnectorConfig& config) {
  const auto options = pipeline::mysql_connect_options(config.source.mysql);
  const TableId marks = config.source.mysql.watermark_table;
  auto conn = std::make_shared<std::optional<mysql::MysqlConnection>>();
  pipeline::ResnapshotHooks hooks;
  hooks.open_chunk = [options](const TableId& table,
                               const std::optional<std::vector<std::string>>& after) {
    auto reader = std::make_unique<mysql::MysqlTableReader>(options, table);
    if (after) reader->resume_after(*after);
    return std::unique_ptr<TableReader>(std::move(reader));
  };
  hooks.emit_watermark = [options, marks, conn](const std::string& watermark) {
    try {
      if (!*conn) {
        conn->emplace(mysql::MysqlConnection::connect(options));
        (*conn)->exec("CREATE DATABASE IF NOT EXISTS `" + marks.schema + "`");
        (*conn)->exec("CREATE TABLE IF NOT EXISTS `" + marks.schema + "`.`" + marks.name +
                      "` (id TINYINT PRIMARY KEY, value VARCHAR(200) NOT NULL)");
      }
      (*conn)->exec("INSERT INTO `" + marks.schema + "`.`" + marks.name +
                    "` (id, value) VALUES (1, " + (*conn)->quote(watermark) +
                    ") ON DUPLICATE KEY UPDATE value = VALUES(value)");
    } catch (const SourceError&) {
      conn->reset();
      throw;
    }
  };
  return std::make_unique<pipeline::Resnapshot>(config.state_dir, std::move(hooks),
                                                config.backfill.page_rows);
}

// Re-snapshots on request (`retainly-cdc resnapshot`), PostgreSQL: chunks read on
// connections of their own, watermarks written with pg_logical_emit_message.
std::unique_ptr<pipeline::Resnapshot> make_resnapshot(const config::ConnectorConfig& config) {
  if (config.source.type != config::SourceType::kPostgres) return make_mysql_resnapshot(config);
  const std::string dsn = config.source.postgres.dsn;
  auto conn = std::make_shared<std::optional<pg::PgConnection>>();
  pipeline::ResnapshotHooks hooks;
  hooks.open_chunk = [dsn](const TableId& table,
                           const std::optional<std::vector<std::string>>& after) {
    auto reader = std::make_unique<pg::PgBackfillReader>(dsn, table);
    if (after) reader->resume_after(*after);
    return std::unique_ptr<TableReader>(std::move(reader));
  };
  hooks.emit_watermark = [dsn, conn](const std::string& watermark) {
    try {
      if (!*conn) conn->emplace(pg::PgConnection::connect(dsn, pg::PgConnection::Mode::kNormal));
      (*conn)->query("SELECT pg_logical_emit_message(true, $1, $2)::text",
                     {kWatermarkPrefix, watermark});
    } catch (const SourceError&) {
      conn->reset();
      throw;
    }
  };
  return std::make_unique<pipeline::Resnapshot>(config.state_dir, std::move(hooks),
                                                config.backfill.page_rows);
}

}  // namespace

int run_command(const RunArgs& args) {
  const auto& stop = install_stop_signals();
  try {
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    auto tables = mapper.tables();
    log::info("loaded {} mapping(s) from {}", tables.size(), config.mappings_dir.string());
    // The dead-letter file and offsets live here; a first run creates it.
    std::filesystem::create_directories(config.state_dir);
    auto source = pipeline::make_source(config, tables, /*read_only=*/args.dry_run);
    if (args.dry_run) {
      source->start();
      pipeline::run_dry(*source, mapper, stop, std::cout);
      source->stop();
      return kExitOk;
    }
    sink::Sink sink(config.sink, nullptr);
    auto lock = pipeline::make_instance_lock(config);
    pipeline::PipelineOptions options;
    options.shutdown_timeout = config.shutdown_timeout;
    options.lease = {config.lock_check_interval, config.lock_lease, config.takeover_delay};
    pipeline::StreamPipeline stream(*source, mapper, sink, options, lock.get());
    // Up before the source connects: /healthz answers and /readyz says why not yet.
    SnapshotBoard snapshot_board;
    auto health = start_health_server(config, stream, sink, snapshot_board);
    auto resnapshot = make_resnapshot(config);
    if (resnapshot) stream.set_resnapshot(resnapshot.get());
    // Taken by the holder of the instance lock only; interrupted, the next start takes
    // it again.
    stream.set_before_first_start(
        [&] { take_initial_snapshot(config, mapper, sink, stop, &snapshot_board); });
    stream.run(stop);
    const auto status = stream.status();
    uint64_t changes = 0;
    for (const auto& [table, counts] : status.changes) {
      for (uint64_t count : counts) changes += count;
    }
    log::info("stopped: {} transactions, {} changes, {} calls, {} dead-lettered by the mapping",
              status.transactions, changes, status.calls, status.rejections);
    return kExitOk;
  } catch (...) {
    return report_current_exception("run");
  }
}

}  // namespace cdc::cli
