// What `check` says about the MySQL row image settings that decide which columns a row
// change carries: binlog_row_image (FULL, NOBLOB, MINIMAL) and binlog_row_value_options
// (MySQL 8.0.3+; MariaDB has no such variable). Pure: the caller reads the variables and
// the catalog.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/check_problem.h"

namespace cdc::pipeline {

// One mapped table as the catalog describes it.
struct MappedTableTypes {
  std::string table;                         // "app.users"
  std::map<std::string, std::string> types;  // every column's DATA_TYPE, by name
  std::vector<std::string> mapped_columns;   // the columns its mapping names
};

// The types MySQL stores apart from the row (Field_blob and its JSON and GEOMETRY kinds),
// which binlog_row_image=NOBLOB leaves out unless an update changes them; any case.
bool is_blob_like(const std::string& data_type);

// `image` and `value_options` as the server reports them (any case); `value_options`
// nullopt when the server has no such variable.
//  - PARTIAL_JSON with an image other than FULL: the before image lacks JSON columns, so
//    a partial update's new document cannot be known and the daemon would stop at the
//    first one. A source problem naming the JSON columns of the mapped tables.
//  - NOBLOB: a note naming the mapped BLOB, TEXT, JSON and GEOMETRY columns, which
//    updates that leave them unchanged do not carry, and what the connector then sends.
// What mappings read that MINIMAL and NOBLOB images leave out: row_image_findings.h.
void check_row_image(const std::string& image, const std::optional<std::string>& value_options,
                     const std::vector<MappedTableTypes>& tables, std::vector<Problem>& problems,
                     std::ostream& notes);

}  // namespace cdc::pipeline
