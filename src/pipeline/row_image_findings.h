// The tables whose mappings read what the source's row images do not carry
// (mapping/row_image_rule.h), as `check`, `run` and a mapping reload report them: refused
// unless the mapping says `allow_partial: true`, then a warning (mappings/README.md, "Old
// row images").
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/connector_config.h"
#include "mapping/mapper.h"
#include "pipeline/check_problem.h"

namespace cdc::mysql {
class MysqlConnection;
}

namespace cdc::pipeline {

struct RowImageFinding {
  std::string reads;    // the unserved reads: "status in a where with events, ..."
  std::string setting;  // "REPLICA IDENTITY DEFAULT", "binlog_row_image=MINIMAL"
  std::string fix;      // "run ALTER TABLE public.orders REPLICA IDENTITY FULL"
  // "<file>: table <table>: reads <reads>, which <setting> does not log; <fix>, or set
  // allow_partial: true ..." (allowed: "...; accepted by allow_partial: true ...").
  std::string message;
  bool allowed = false;  // the mapping says allow_partial: true
};

// PostgreSQL: `identity` is the table's replica identity ('d' default, 'i' index, 'f' full,
// 'n' nothing), `identity_columns` the columns it logs in old rows. nullopt: nothing unserved.
std::optional<RowImageFinding> postgres_row_image_finding(
    const mapping::TableRequirements& req, char identity,
    const std::vector<std::string>& identity_columns);

// One MySQL table as the catalog describes it.
struct MysqlTableColumns {
  std::map<std::string, std::string> types;  // every column's DATA_TYPE, by name
  std::vector<std::string> primary_key;
};

// The table's columns from information_schema, and its primary key when `row_image`
// (binlog_row_image) is not FULL, the only case that needs it; no types when the table does
// not exist (or the user may not see it).
MysqlTableColumns read_mysql_columns(mysql::MysqlConnection& conn, const TableId& table,
                                     const std::string& row_image);

// MySQL/MariaDB: `row_image` is binlog_row_image (any case). MINIMAL logs the primary key
// in old rows (every column without one) and in new rows only what the statement sets;
// NOBLOB leaves unchanged BLOB/TEXT/JSON/GEOMETRY columns out of both. No re-read fills
// them, so reads of the new row count as well.
std::optional<RowImageFinding> mysql_row_image_finding(const mapping::TableRequirements& req,
                                                       const std::string& row_image,
                                                       const MysqlTableColumns& table);

// `check`: a refused finding becomes a source problem, an allowed one a warning in `notes`.
void report_row_image_finding(const RowImageFinding& finding, std::vector<Problem>& problems,
                              std::ostream& notes);

// `run`, before anything streams: reads each mapped table's row image settings from the
// source, logs the allowed findings as warnings and the refused ones as errors, and throws
// SourceError naming the refused ones when there are any. Tables the source lacks are left
// to the stream, which reports them. Throws SourceError when the source cannot be reached.
void refuse_partial_row_images(const config::ConnectorConfig& config,
                               const mapping::Mapper& mapper);

}  // namespace cdc::pipeline
