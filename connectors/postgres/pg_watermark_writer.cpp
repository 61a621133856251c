#include "connectors/postgres/pg_watermark_writer.h"

#include "connectors/postgres/pg_admin.h"
#include "core/errors.h"

namespace cdc::pg {

void PgWatermarkWriter::write(const std::string& watermark) {
  try {
    if (!conn_) {
      conn_.emplace(PgConnection::connect(dsn_, PgConnection::Mode::kNormal));
      // pgoutput hands logical messages to the stream from protocol version 2 on.
      if (conn_->server_version() < 140000) {
        throw SourceError(
            "snapshots need PostgreSQL 14 or newer, whose pgoutput carries the logical "
            "messages used as watermarks; set source.snapshot: never and send the tables "
            "with `retainly-cdc backfill` instead");
      }
    }
    PgAdmin(*conn_).emit_watermark(watermark);
  } catch (const SourceError&) {
    conn_.reset();  // the next write connects again
    throw;
  }
}

}  // namespace cdc::pg
