// Snapshot watermarks for a PostgreSQL source: logical messages (PgAdmin::emit_watermark)
// written on an ordinary connection of their own, made on first use and again after a
// failure.
#pragma once

#include <optional>
#include <string>

#include "connectors/postgres/pg_connection.h"
#include "core/watermark_writer.h"

namespace cdc::pg {

// Not thread-safe: one owner calls write().
class PgWatermarkWriter final : public WatermarkWriter {
 public:
  explicit PgWatermarkWriter(std::string dsn) : dsn_(std::move(dsn)) {}

  void write(const std::string& watermark) override;

 private:
  std::string dsn_;
  std::optional<PgConnection> conn_;
};

}  // namespace cdc::pg
