#include "connectors/postgres/pg_watermark_writer.h"

#include "connectors/postgres/pg_admin.h"
#include "core/errors.h"

namespace cdc::pg {

void PgWatermarkWriter::write(const std::string& watermark) {
  try {
    if (!conn_) conn_.emplace(PgConnection::connect(dsn_, PgConnection::Mode::kNormal));
    PgAdmin(*conn_).emit_watermark(watermark);
  } catch (const SourceError&) {
    conn_.reset();  // the next write connects again
    throw;
  }
}

}  // namespace cdc::pg
