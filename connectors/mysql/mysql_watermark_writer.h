// Snapshot watermarks for a MySQL/MariaDB source: rows of source.watermark_table
// (BinlogAdmin::write_watermark), written on a connection of their own that is made on
// first use (creating the table when missing, refusing a server that does not make
// commits visible in binlog order) and again after a failure.
#pragma once

#include <optional>
#include <string>

#include "connectors/mysql/mysql_connection.h"
#include "core/table_schema.h"
#include "core/watermark_writer.h"

namespace cdc::mysql {

// Not thread-safe: one owner calls write().
class MysqlWatermarkWriter final : public WatermarkWriter {
 public:
  MysqlWatermarkWriter(MysqlConnectOptions options, TableId table)
      : options_(std::move(options)), table_(std::move(table)) {}

  void write(const std::string& watermark) override;

 private:
  MysqlConnectOptions options_;
  TableId table_;
  std::optional<MysqlConnection> conn_;
};

}  // namespace cdc::mysql
