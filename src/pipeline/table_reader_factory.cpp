#include "pipeline/table_reader_factory.h"

#include "connectors/mysql/mysql_table_reader.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "pipeline/source_factory.h"

namespace cdc::pipeline {

TableReaderFactory table_reader_factory(const config::ConnectorConfig& config) {
  if (config.source.type == config::SourceType::kPostgres) {
    return
        [dsn = config.source.postgres.dsn](const TableId& table) -> std::unique_ptr<TableReader> {
          return std::make_unique<pg::PgBackfillReader>(dsn, table);
        };
  }
  return [options = mysql_connect_options(config.source.mysql)](
             const TableId& table) -> std::unique_ptr<TableReader> {
    return std::make_unique<mysql::MysqlTableReader>(options, table);
  };
}

}  // namespace cdc::pipeline
