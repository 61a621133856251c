#include "connectors/postgres/pg_exported_snapshot.h"

#include "core/errors.h"

namespace cdc::pg {

ExportedSnapshot::ExportedSnapshot(const std::string& dsn, const std::string& slot)
    : conn_(PgConnection::connect(dsn, PgConnection::Mode::kReplication)) {
  // Columns: slot_name, consistent_point, snapshot_name, output_plugin.
  const auto result = conn_.query("CREATE_REPLICATION_SLOT " + conn_.quote_identifier(slot) +
                                  " LOGICAL pgoutput (SNAPSHOT 'export')");
  if (result.rows.empty() || result.rows[0].size() < 3 || !result.rows[0][1] ||
      !result.rows[0][2]) {
    throw SourceError("CREATE_REPLICATION_SLOT " + slot + " returned no snapshot");
  }
  const auto point = PgLsn::parse(*result.rows[0][1]);
  if (!point) throw SourceError("CREATE_REPLICATION_SLOT " + slot + ": bad consistent point");
  consistent_point_ = *point;
  name_ = *result.rows[0][2];
}

}  // namespace cdc::pg
