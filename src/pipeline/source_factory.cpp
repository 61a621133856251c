#include "pipeline/source_factory.h"

#include "connectors/mysql/binlog_position_file.h"
#include "connectors/mysql/mysql_instance_lock.h"
#include "connectors/mysql/mysql_source.h"
#include "connectors/mysql/mysql_watermark_writer.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_instance_lock.h"
#include "connectors/postgres/pg_row_fetcher.h"
#include "connectors/postgres/pg_source.h"
#include "connectors/postgres/pg_watermark_writer.h"
#include "core/errors.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

namespace cdc::pipeline {
namespace {

std::filesystem::path mysql_position_path(const config::ConnectorConfig& config) {
  return mysql::BinlogPositionFile::in(config.state_dir).path();
}

constexpr std::string_view kDryRunPrefix = "retainly-cdc-dry-run-";

// The process id a dry run's directory is named after, or 0.
pid_t dry_run_pid(const std::string& name) {
  if (!name.starts_with(kDryRunPrefix)) return 0;
  pid_t pid = 0;
  const char* first = name.data() + kDryRunPrefix.size();
  const char* last = name.data() + name.size();
  const auto [end, error] = std::from_chars(first, last, pid);
  return error == std::errc() && end == last && first != last ? pid : 0;
}

}  // namespace

std::filesystem::path scratch_dir(const config::ConnectorConfig& config, bool dry_run) {
  // A dry run writes nothing under state_dir: its files go to a directory of its own,
  // which the source removes when it goes.
  if (dry_run) {
    return std::filesystem::temp_directory_path() /
           (std::string(kDryRunPrefix) + std::to_string(::getpid()));
  }
  return config.state_dir;
}

size_t remove_stale_dry_run_dirs(const std::filesystem::path& parent) {
  size_t removed = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    const pid_t pid = dry_run_pid(entry.path().filename().string());
    if (pid <= 0 || pid == ::getpid() || !entry.is_directory(error)) continue;
    // ESRCH: no such process. EPERM means one lives (another user's).
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    if (std::filesystem::remove_all(entry.path(), ignored) > 0 && !ignored) ++removed;
  }
  return removed;
}

std::unique_ptr<InstanceLock> make_instance_lock(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) {
    return std::make_unique<pg::PgInstanceLock>(config.source.postgres.dsn,
                                                config.source.postgres.slot);
  }
  return std::make_unique<mysql::MysqlInstanceLock>(mysql_connect_options(config.source.mysql),
                                                    config.source.mysql.server_id);
}

std::unique_ptr<ChangeSource> make_source(const config::ConnectorConfig& config,
                                          const std::vector<TableId>& tables, bool read_only) {
  // A dry run killed (SIGKILL, a crash) leaves its scratch directory; the next one sweeps.
  if (read_only) remove_stale_dry_run_dirs(scratch_dir(config, true).parent_path());
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
    options.memory_budget_bytes = config.memory_budget_mb << 20;
    options.spill_dir = scratch_dir(config, read_only) / "spill";
    if (read_only) options.remove_at_exit = scratch_dir(config, read_only);
    options.read_only = read_only;
    return std::make_unique<pg::PgSource>(std::move(options));
  }
  mysql::MysqlSourceOptions options;
  options.connect = mysql_connect_options(config.source.mysql);
  // A dry run beside the daemon must not take its replica id: the server would drop one
  // stream each time the other connects. It uses the id with the top bit flipped.
  options.server_id = config.source.mysql.server_id ^ (read_only ? 0x80000000u : 0u);
  options.tables = tables;
  options.watermark_table = config.source.mysql.watermark_table;
  using config::GeometryFormat;
  options.geometry =
      config.source.mysql.geometry == GeometryFormat::kWkbHex ? mysql::GeometryFormat::kWkbHex
      : config.source.mysql.geometry == GeometryFormat::kSkip ? mysql::GeometryFormat::kSkip
                                                              : mysql::GeometryFormat::kWkb;
  options.position_file = mysql_position_path(config);
  options.heartbeat_interval = config.source.mysql.heartbeat_interval;
  options.buffer_items = config.source_buffer;
  options.memory_budget_bytes = config.memory_budget_mb << 20;
  options.spill_dir = scratch_dir(config, read_only) / "spill";
  options.xa_dir = scratch_dir(config, read_only) / "mysql-xa";
  if (read_only) options.remove_at_exit = scratch_dir(config, read_only);
  options.read_only = read_only;
  return std::make_unique<mysql::MysqlSource>(std::move(options));
}

std::unique_ptr<RowFetcher> make_row_fetcher(const config::ConnectorConfig& config) {
  if (config.source.type != config::SourceType::kPostgres) return nullptr;
  return std::make_unique<pg::PgRowFetcher>(config.source.postgres.dsn);
}

std::unique_ptr<WatermarkWriter> make_watermark_writer(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) {
    return std::make_unique<pg::PgWatermarkWriter>(config.source.postgres.dsn);
  }
  return std::make_unique<mysql::MysqlWatermarkWriter>(mysql_connect_options(config.source.mysql),
                                                       config.source.mysql.watermark_table);
}

namespace {

// The configured PostgreSQL slot, if it exists.
std::optional<pg::SlotState> configured_slot(const config::ConnectorConfig& config) {
  const auto conn =
      pg::PgConnection::connect(config.source.postgres.dsn, pg::PgConnection::Mode::kNormal);
  return pg::PgAdmin(conn).slot(config.source.postgres.slot);
}

}  // namespace

bool stream_start_exists(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) {
    return configured_slot(config).has_value();
  }
  return mysql::BinlogPositionFile(mysql_position_path(config)).load().has_value();
}

std::optional<Position> stream_resume_position(const config::ConnectorConfig& config) {
  if (config.source.type != config::SourceType::kPostgres) {
    const auto stored = mysql::BinlogPositionFile(mysql_position_path(config)).load();
    if (!stored || !stored->after) return std::nullopt;
    return *stored->after;
  }
  const auto slot = configured_slot(config);
  if (!slot) return std::nullopt;
  return PgPosition{slot->confirmed_flush, 0};
}

mysql::MysqlConnectOptions mysql_connect_options(const config::MysqlSourceConfig& my) {
  mysql::MysqlConnectOptions options;
  options.host = my.host;
  options.port = my.port;
  options.user = my.user;
  options.password = my.password;
  options.database = my.database;
  using config::TlsMode;
  options.tls.enforce = my.tls.mode == TlsMode::kRequire || my.tls.mode == TlsMode::kVerifyCa ||
                        my.tls.mode == TlsMode::kVerifyFull;
  options.tls.verify_server_cert =
      my.tls.mode == TlsMode::kVerifyCa || my.tls.mode == TlsMode::kVerifyFull;
  if (options.tls.verify_server_cert) options.tls.ca_path = my.tls.ca_path;
  return options;
}

}  // namespace cdc::pipeline
