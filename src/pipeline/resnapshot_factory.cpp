#include "pipeline/resnapshot_factory.h"

#include "connectors/postgres/pg_decoded_transactions.h"
#include "pipeline/source_factory.h"
#include "pipeline/table_reader_factory.h"

namespace cdc::pipeline {

ResnapshotHooks resnapshot_hooks(const config::ConnectorConfig& config) {
  ResnapshotHooks hooks;
  hooks.open_chunk = [open = table_reader_factory(config)](
                         const TableId& table,
                         const std::optional<std::vector<std::string>>& after) {
    auto reader = open(table);
    if (after) reader->resume_after(*after);
    return reader;
  };
  hooks.emit_watermark = [writer = std::shared_ptr<WatermarkWriter>(make_watermark_writer(config))](
                             const std::string& watermark) { writer->write(watermark); };
  // MariaDB and MySQL (binlog_order_commits, the default) make transactions visible in
  // the binlog's order before a later one returns, so only PostgreSQL needs the check.
  if (config.source.type == config::SourceType::kPostgres) {
    hooks.delivered_before = [](const std::vector<uint64_t>& running, const Position& low) {
      const auto* position = std::get_if<PgPosition>(&low);
      return position != nullptr && pg::DecodedTransactions::instance().any_committed_before(
                                        position->commit_end, running);
    };
  }
  return hooks;
}

std::unique_ptr<Resnapshot> make_resnapshot(const config::ConnectorConfig& config) {
  return std::make_unique<Resnapshot>(config.state_dir, resnapshot_hooks(config),
                                      config.backfill.page_rows);
}

}  // namespace cdc::pipeline
