#include "pipeline/row_image_findings.h"

#include <set>
#include <sstream>

#include "connectors/mysql/binlog_admin.h"
#include "connectors/mysql/mysql_connection.h"
#include "connectors/postgres/pg_admin.h"
#include "connectors/postgres/pg_connection.h"
#include "core/errors.h"
#include "mapping/row_image_rule.h"
#include "ops/log.h"
#include "pipeline/check_mysql_row_image.h"
#include "pipeline/source_factory.h"

namespace cdc::pipeline {
namespace {

// What Retainly ends with once a mapping accepts unserved reads (mappings/README.md).
constexpr const char* kConsequence =
    "the calls and events that need those values are then dead-lettered, decided without "
    "them or sent without them (mappings/README.md, \"Old row images\")";

std::optional<RowImageFinding> finding(const mapping::TableRequirements& req,
                                       const mapping::RowImages& images, const std::string& setting,
                                       const std::string& fix) {
  const auto unserved = mapping::unserved_reads(req, images);
  if (unserved.empty()) return std::nullopt;
  RowImageFinding out;
  out.reads = mapping::describe(unserved);
  out.setting = setting;
  out.fix = fix;
  out.allowed = req.allow_partial;
  out.message = req.file + ": table " + req.table.qualified() + ": reads " + out.reads +
                ", which " + setting + " does not log; ";
  if (out.allowed) {
    out.message += "accepted by allow_partial: true in the mapping: " + std::string(kConsequence);
  } else {
    out.message += fix + ", or set allow_partial: true in the mapping to accept that " +
                   std::string(kConsequence);
  }
  return out;
}

std::string identity_name(char identity) {
  switch (identity) {
    case 'i':
      return "REPLICA IDENTITY USING INDEX";
    case 'n':
      return "REPLICA IDENTITY NOTHING";
    default:
      return "REPLICA IDENTITY DEFAULT";
  }
}

std::vector<RowImageFinding> postgres_findings(const config::PostgresSourceConfig& pg,
                                               const mapping::Mapper& mapper) {
  auto conn = pg::PgConnection::connect(pg.dsn, pg::PgConnection::Mode::kNormal);
  pg::PgAdmin admin(conn);
  std::vector<RowImageFinding> out;
  for (const auto& req : mapping::requirements(mapper)) {
    const auto info = admin.table_info(req.table);
    if (!info.exists) continue;
    if (auto f = postgres_row_image_finding(req, info.replica_identity, info.identity_columns)) {
      out.push_back(std::move(*f));
    }
  }
  return out;
}

std::vector<RowImageFinding> mysql_findings(const config::MysqlSourceConfig& my,
                                            const mapping::Mapper& mapper) {
  auto conn = mysql::MysqlConnection::connect(mysql_connect_options(my));
  const std::string image =
      mysql::BinlogAdmin(conn).global_variable("binlog_row_image").value_or("FULL");
  std::vector<RowImageFinding> out;
  if (upper(image) == "FULL") return out;
  for (const auto& req : mapping::requirements(mapper)) {
    const auto columns = read_mysql_columns(conn, req.table, image);
    if (columns.types.empty()) continue;
    if (auto f = mysql_row_image_finding(req, image, columns)) out.push_back(std::move(*f));
  }
  return out;
}

}  // namespace

MysqlTableColumns read_mysql_columns(mysql::MysqlConnection& conn, const TableId& table,
                                     const std::string& row_image) {
  const std::string where = " WHERE TABLE_SCHEMA = " + conn.quote(table.schema) +
                            " AND TABLE_NAME = " + conn.quote(table.name);
  MysqlTableColumns out;
  for (const auto& row :
       conn.query("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS" + where).rows) {
    out.types[row[0].value_or("")] = row[1].value_or("");
  }
  if (upper(row_image) == "FULL" || out.types.empty()) return out;
  for (const auto& row :
       conn.query("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE" + where +
                  " AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY "
                  "ORDINAL_POSITION")
           .rows) {
    out.primary_key.push_back(row[0].value_or(""));
  }
  return out;
}

std::optional<RowImageFinding> postgres_row_image_finding(
    const mapping::TableRequirements& req, char identity,
    const std::vector<std::string>& identity_columns) {
  if (identity == 'f') return std::nullopt;
  mapping::RowImages images;
  images.old_row.emplace(identity_columns.begin(), identity_columns.end());
  const std::string table = req.table.qualified();
  return finding(req, images, identity_name(identity),
                 "run ALTER TABLE " + table + " REPLICA IDENTITY FULL");
}

std::optional<RowImageFinding> mysql_row_image_finding(const mapping::TableRequirements& req,
                                                       const std::string& row_image,
                                                       const MysqlTableColumns& table) {
  const std::string image = upper(row_image);
  if (image != "MINIMAL" && image != "NOBLOB") return std::nullopt;
  std::set<std::string> logged(table.primary_key.begin(), table.primary_key.end());
  if (image == "NOBLOB") {
    for (const auto& [column, type] : table.types) {
      if (!is_blob_like(type)) logged.insert(column);
    }
  }
  mapping::RowImages images;
  // Without a primary key MINIMAL logs every column of the old row, which the new row
  // then falls back on.
  if (image == "NOBLOB" || !table.primary_key.empty()) {
    images.old_row = logged;
    images.new_row = logged;
  }
  return finding(req, images, "binlog_row_image=" + image,
                 "SET GLOBAL binlog_row_image = 'FULL' (and set it in the server's "
                 "configuration)");
}

void report_row_image_finding(const RowImageFinding& finding, std::vector<Problem>& problems,
                              std::ostream& notes) {
  if (finding.allowed) {
    notes << "warning: " << finding.message << "\n";
  } else {
    problems.push_back({Problem::kSource, finding.message});
  }
}

void refuse_partial_row_images(const config::ConnectorConfig& config,
                               const mapping::Mapper& mapper) {
  const auto findings = config.source.type == config::SourceType::kPostgres
                            ? postgres_findings(config.source.postgres, mapper)
                            : mysql_findings(config.source.mysql, mapper);
  std::string refused;
  for (const auto& f : findings) {
    if (f.allowed) {
      log::warn("{}", f.message);
    } else {
      log::error("{}", f.message);
      refused += (refused.empty() ? "" : "; ") + f.message;
    }
  }
  if (!refused.empty()) {
    throw SourceError("refusing to stream: the mappings read what the source does not log: " +
                      refused);
  }
}

}  // namespace cdc::pipeline
