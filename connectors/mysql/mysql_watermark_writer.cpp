#include "connectors/mysql/mysql_watermark_writer.h"

#include "connectors/mysql/binlog_admin.h"
#include "core/errors.h"

namespace cdc::mysql {

void MysqlWatermarkWriter::write(const std::string& watermark) {
  try {
    if (!conn_) {
      conn_.emplace(MysqlConnection::connect(options_));
      BinlogAdmin(*conn_).ensure_watermark_table(table_);
    }
    BinlogAdmin(*conn_).write_watermark(table_, watermark);
  } catch (const SourceError&) {
    conn_.reset();  // the next write connects (and checks the table) again
    throw;
  }
}

}  // namespace cdc::mysql
