#include <map>
#include <set>
#include <string>

#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"
#include "pipeline/row_image_findings.h"
#include "pipeline/source_check.h"

namespace cdc::pipeline {
namespace {

// Declared mapping type -> PostgreSQL udt_names whose values convert to it. Any type
// converts to string.
bool converts(const std::string& declared, const std::string& udt) {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"number",
       {"int2", "int4", "int8", "oid", "numeric", "float4", "float8", "money", "text", "varchar",
        "bpchar", "bool"}},
      {"boolean", {"bool", "int2", "int4", "int8", "text", "varchar", "bpchar"}},
      {"date", {"date", "timestamp", "timestamptz", "text", "varchar"}},
      {"date_time", {"timestamp", "timestamptz", "date", "text", "varchar"}},
      {"json", {"json", "jsonb", "text", "varchar"}},
  };
  if (declared.empty() || declared == "string") return true;
  if (declared == "array") return udt.starts_with("_") || udt == "json" || udt == "jsonb";
  auto it = kAllowed.find(declared);
  return it == kAllowed.end() || it->second.contains(udt);
}

// What `run` will do to the publication, and whether `run --dry-run` (which only reads
// it) can start before that.
void check_publication(const pg::PgAdmin& admin, const config::PostgresSourceConfig& pg,
                       const std::vector<TableId>& tables, std::vector<Problem>& problems,
                       std::ostream& out) {
  const auto missing = admin.unpublished(pg.publication, tables);
  if (!missing && !pg.create_publication) {
    std::string list;
    for (const auto& table : tables) list += (list.empty() ? "" : ", ") + admin.sql_name(table);
    problems.push_back({Problem::kSource, "publication " + pg.publication +
                                              " does not exist and source.create_publication is "
                                              "false: create it with CREATE PUBLICATION " +
                                              admin.sql_name(pg.publication) + " FOR TABLE " +
                                              list});
  } else if (!missing) {
    out << "note: publication " << pg.publication
        << " does not exist yet: `retainly-cdc run` creates it; `run --dry-run`, which "
           "changes nothing on the source, needs it first\n";
  } else if (!missing->empty()) {
    std::string list;
    for (const auto& table : *missing) list += (list.empty() ? "" : ", ") + table.qualified();
    out << "note: publication " << pg.publication << " does not publish " << list
        << " yet: `retainly-cdc run` adds the mapped tables to it; `run --dry-run`, which "
           "changes nothing on the source, needs them there first\n";
  }
}

}  // namespace

void check_postgres(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                    std::vector<Problem>& problems, std::ostream& out) {
  auto conn =
      pg::PgConnection::connect(config.source.postgres.dsn, pg::PgConnection::Mode::kNormal);
  pg::PgAdmin admin(conn);
  try {
    admin.require_logical_wal();
  } catch (const SourceError& e) {
    problems.push_back({Problem::kSource, e.what()});
  }
  if (auto slot = admin.slot(config.source.postgres.slot); slot && slot->wal_status == "lost") {
    problems.push_back({Problem::kSource, "replication slot " + config.source.postgres.slot +
                                              " has lost required WAL: resync required (drop the "
                                              "slot and run retainly-cdc backfill)"});
  }
  for (const auto& req : mapping::requirements(mapper)) {
    const std::string table = req.table.qualified();
    auto info = admin.table_info(req.table);
    if (!info.exists) {
      problems.push_back({Problem::kConfig, "table " + table + " does not exist"});
      continue;
    }
    auto columns = conn.query(
        "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = $1 "
        "AND table_name = $2",
        {req.table.schema, req.table.name});
    std::map<std::string, std::string> types;
    for (const auto& row : columns.rows) types[row[0].value_or("")] = row[1].value_or("");
    check_mapped_columns(req, types, converts, problems);
    if (auto finding =
            postgres_row_image_finding(req, info.replica_identity, info.identity_columns)) {
      report_row_image_finding(*finding, problems, out);
    }
    if (info.replica_identity == 'n' || (info.replica_identity == 'd' && !info.has_primary_key)) {
      problems.push_back({Problem::kSource, "table " + table +
                                                " has no primary key or replica identity; UPDATE "
                                                "and DELETE on it would fail once published"});
    }
  }
  check_publication(admin, config.source.postgres, mapper.tables(), problems, out);
}

}  // namespace cdc::pipeline
