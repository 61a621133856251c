// What the connector asks a MySQL/MariaDB server outside the binlog stream: whether it
// writes a row-based binlog, where the binlog ends now, the catalog of a table; and the
// one thing it writes, snapshot watermarks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connectors/mysql/mysql_connection.h"
#include "connectors/mysql/resume_point.h"
#include "connectors/mysql/table_shape.h"
#include "core/table_schema.h"

namespace cdc::mysql {

// A replica the server lists as connected (SHOW REPLICA HOSTS).
struct ReplicaHost {
  std::string server_id;
  std::string host;
};

class BinlogAdmin {
 public:
  // REQUIRES: `conn` outlives this object.
  explicit BinlogAdmin(MysqlConnection& conn) : conn_(conn) {}

  bool is_mariadb() const { return conn_.is_mariadb(); }

  // Throws SourceError, saying what to set, unless log_bin is on and binlog_format is
  // ROW.
  void require_row_binlog();
  // @@global.binlog_checksum: "CRC32" or "NONE".
  std::string checksum();
  // True when transactions carry GTIDs the stream can start from: always on MariaDB,
  // gtid_mode=ON on MySQL.
  bool gtid_available();
  // The end of the binlog now: SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL
  // 8.4+) and the GTID state (@@gtid_binlog_pos / @@gtid_executed).
  ResumePoint current_position();
  // Throws SourceError, saying what to set, unless the server makes transactions visible
  // in binlog order, as snapshot chunks need (pipeline/resnapshot.h): MySQL with
  // binlog_order_commits ON (its default); MariaDB always, without such a variable.
  void require_commit_order();

  // Creates `table` and its database when missing: (id TINYINT PRIMARY KEY, value
  // VARCHAR(200)), the shape BinlogChangeAssembler reads watermarks from. Needs CREATE
  // there unless the table exists.
  void ensure_watermark_table(const TableId& table);
  // Writes a snapshot watermark as the value of `table`'s one row, committed when this
  // returns; the binlog carries it to the stream (MySQL has no logical messages, so a
  // watermark is a row, as in DBLog). Needs INSERT and UPDATE there.
  void write_watermark(const TableId& table, const std::string& watermark);
  // The replicas registered with the server now: SHOW REPLICA HOSTS (MySQL 8.0.22+,
  // MariaDB 10.5.2+), else SHOW SLAVE HOSTS. Empty when neither answers (no privilege
  // to list replicas, for one).
  std::vector<ReplicaHost> replica_hosts();
  // The binlog files the server still has, oldest first.
  std::vector<std::string> binlog_files();
  // information_schema.columns of `table`, in ordinal order; empty when it does not
  // exist.
  std::vector<CatalogColumn> catalog(const TableId& table);
  // A server variable's global value, nullopt when the server has no such variable.
  std::optional<std::string> global_variable(const std::string& name);

 private:
  MysqlConnection& conn_;
};

}  // namespace cdc::mysql
