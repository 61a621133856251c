#include "connectors/postgres/pg_backfill_reader.h"

namespace cdc::pg {

PgBackfillReader::PgBackfillReader(const std::string& dsn, const TableId& table)
    : conn_(PgConnection::connect(dsn, PgConnection::Mode::kNormal)) {
  conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  reader_ = std::make_unique<PgTableReader>(conn_, table,
                                            PgTableReader::Options{Operation::kSnapshotRead});
  // reltuples is -1 for a table never vacuumed or analyzed: unknown.
  const auto estimate = conn_.query(
      "SELECT greatest(reltuples, 0)::bigint::text FROM pg_class WHERE oid = $1::regclass",
      {quote_table(conn_, table.schema, table.name)});
  if (!estimate.rows.empty() && estimate.rows[0][0]) {
    estimated_rows_ = std::stoull(*estimate.rows[0][0]);
  }
  // The transaction's snapshot was taken by its first statement (the catalog read), so
  // this is the list every page is read with.
  for (const auto& row :
       conn_.query("SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x").rows) {
    if (row[0]) running_.push_back(std::stoull(*row[0]));
  }
}

}  // namespace cdc::pg
