#include "connectors/mysql/mysql_watermark_writer.h"

#include "connectors/mysql/binlog_admin.h"
#include "core/errors.h"

namespace cdc::mysql {

void MysqlWatermarkWriter::write(const std::string& watermark) {
  try {
    if (!conn_) {
      conn_.emplace(MysqlConnection::connect(options_));
      // Checked at each connection, so a snapshot held by it goes on once it is fixed.
      BinlogAdmin(*conn_).require_commit_order();
      BinlogAdmin(*conn_).ensure_watermark_table(table_);
    }
    BinlogAdmin(*conn_).write_watermark(table_, watermark);
  } catch (const SourceError&) {
    conn_.reset();  // the next write connects and checks again
    throw;
  }
}

}  // namespace cdc::mysql
