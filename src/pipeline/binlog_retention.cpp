#include "pipeline/binlog_retention.h"

#include <cmath>
#include <cstdlib>

namespace cdc::pipeline {
namespace {

std::optional<double> number(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || *end != '\0') return std::nullopt;
  return value;
}

std::string duration(int64_t seconds) {
  if (seconds % 86400 == 0 && seconds > 0) return std::to_string(seconds / 86400) + " days";
  if (seconds % 3600 == 0 && seconds > 0) return std::to_string(seconds / 3600) + " hours";
  return std::to_string(seconds) + " seconds";
}

}  // namespace

BinlogRetention binlog_retention(const std::optional<std::string>& expire_logs_seconds,
                                 const std::optional<std::string>& expire_logs_days,
                                 const std::optional<std::string>& rds_hours) {
  if (rds_hours) {
    const auto hours = number(rds_hours);
    // NULL (empty here): RDS purges binlogs as soon as it can.
    return {static_cast<int64_t>(std::llround(hours.value_or(0) * 3600)),
            "RDS binlog retention hours " + (rds_hours->empty() ? "NULL" : *rds_hours)};
  }
  if (const auto seconds = number(expire_logs_seconds); seconds && *seconds > 0) {
    return {static_cast<int64_t>(*seconds), "binlog_expire_logs_seconds " + *expire_logs_seconds};
  }
  if (const auto days = number(expire_logs_days); days && *days > 0) {
    return {static_cast<int64_t>(std::llround(*days * 86400)),
            "expire_logs_days " + *expire_logs_days};
  }
  return {std::nullopt, "no binlog expiry"};
}

std::optional<std::string> retention_warning(const BinlogRetention& retention, int64_t min_hours) {
  if (min_hours <= 0 || !retention.seconds || *retention.seconds >= min_hours * 3600) {
    return std::nullopt;
  }
  const std::string kept = *retention.seconds == 0
                               ? "purges binlogs as soon as it can"
                               : "keeps binlogs for " + duration(*retention.seconds);
  return "the server " + kept + " (" + retention.setting + "), less than " +
         std::to_string(min_hours) +
         " hours (source.min_binlog_retention_hours): a connector stopped for longer finds its "
         "position purged and needs a new snapshot. Raise the retention (RDS: CALL "
         "mysql.rds_set_configuration('binlog retention hours', 72)) or lower the threshold";
}

}  // namespace cdc::pipeline
