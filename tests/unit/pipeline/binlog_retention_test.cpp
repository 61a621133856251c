#include "pipeline/binlog_retention.h"

#include <doctest/doctest.h>

using namespace cdc::pipeline;

TEST_CASE("binlog retention: which setting decides") {
  // MySQL 8: seconds win over the deprecated days.
  CHECK(binlog_retention("7200", "10", std::nullopt).seconds == 7200);
  // Older servers, and MariaDB before 10.6: days, possibly fractional.
  CHECK(binlog_retention(std::nullopt, "0.5", std::nullopt).seconds == 43200);
  CHECK(binlog_retention("0", "3", std::nullopt).seconds == 3 * 86400);
  // Neither set: never purged by age.
  CHECK_FALSE(binlog_retention("0", "0", std::nullopt).seconds.has_value());
  // RDS: its own setting, whatever the variables say; NULL purges at once.
  CHECK(binlog_retention("2592000", "0", "24").seconds == 86400);
  const auto rds_null = binlog_retention("2592000", "0", "");
  CHECK(rds_null.seconds == 0);
  CHECK(rds_null.setting == "RDS binlog retention hours NULL");
}

TEST_CASE("binlog retention: a warning below the threshold, naming the setting") {
  const auto short_one = retention_warning(binlog_retention("7200", "0", std::nullopt), 24);
  REQUIRE(short_one.has_value());
  CHECK(short_one->find("keeps binlogs for 2 hours (binlog_expire_logs_seconds 7200), less "
                        "than 24 hours") != std::string::npos);
  const auto rds = retention_warning(binlog_retention("0", "0", ""), 24);
  REQUIRE(rds.has_value());
  CHECK(rds->find("purges binlogs as soon as it can") != std::string::npos);
  CHECK_FALSE(retention_warning(binlog_retention("86400", "0", std::nullopt), 24).has_value());
  CHECK_FALSE(retention_warning(binlog_retention("0", "0", std::nullopt), 24).has_value());
  CHECK_FALSE(retention_warning(binlog_retention("60", "0", std::nullopt), 0).has_value());
}
