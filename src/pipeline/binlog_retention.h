// How long the MySQL/MariaDB server keeps binlog files, and whether that is long enough:
// a connector stopped for longer than the retention finds its position purged (error
// 1236) and needs a new snapshot. Managed services (Amazon RDS, Aurora) purge by a
// setting of their own, read with `CALL mysql.rds_show_configuration`. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cdc::pipeline {

struct BinlogRetention {
  // nullopt: binlogs are not purged by age.
  std::optional<int64_t> seconds;
  // Where the figure comes from, for messages: "binlog_expire_logs_seconds 7200".
  std::string setting;
};

// From the server variables binlog_expire_logs_seconds (MySQL 8, MariaDB 10.6+) and
// expire_logs_days (older servers; MySQL 8 ignores it when the first is set), and the
// RDS "binlog retention hours" when the server has that procedure: `rds_hours` holds
// nullopt when it has not, and an empty string when RDS says NULL (purge at once).
BinlogRetention binlog_retention(const std::optional<std::string>& expire_logs_seconds,
                                 const std::optional<std::string>& expire_logs_days,
                                 const std::optional<std::string>& rds_hours);

// A warning when `retention` is shorter than `min_hours` (0: never warn); nullopt when it
// is long enough.
std::optional<std::string> retention_warning(const BinlogRetention& retention, int64_t min_hours);

}  // namespace cdc::pipeline
