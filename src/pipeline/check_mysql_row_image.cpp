#include "pipeline/check_mysql_row_image.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace cdc::pipeline {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

bool is_blob_like(const std::string& data_type) {
  static const std::set<std::string> kBlobLike = {"tinyblob",
                                                  "blob",
                                                  "mediumblob",
                                                  "longblob",
                                                  "tinytext",
                                                  "text",
                                                  "mediumtext",
                                                  "longtext",
                                                  "json",
                                                  "geometry",
                                                  "point",
                                                  "linestring",
                                                  "polygon",
                                                  "multipoint",
                                                  "multilinestring",
                                                  "multipolygon",
                                                  "geometrycollection",
                                                  "geomcollection"};
  return kBlobLike.contains(lower(data_type));
}

void check_row_image(const std::string& image, const std::optional<std::string>& value_options,
                     const std::vector<MappedTableTypes>& tables, std::vector<Problem>& problems,
                     std::ostream& notes) {
  const std::string row_image = upper(image);
  const bool partial_json =
      value_options && upper(*value_options).find("PARTIAL_JSON") != std::string::npos;
  if (partial_json && row_image != "FULL") {
    // The reader stops at any JSON column of a mapped table (it does not know which
    // columns the mappings use), so every one counts here.
    std::vector<std::string> json_columns;
    for (const auto& t : tables) {
      for (const auto& [column, type] : t.types) {
        if (lower(type) == "json") json_columns.push_back(t.table + "." + column);
      }
    }
    if (!json_columns.empty()) {
      problems.push_back(
          {Problem::kSource,
           "binlog_row_value_options is PARTIAL_JSON and binlog_row_image is " + row_image +
               ": an update by JSON_SET, JSON_REPLACE or JSON_REMOVE then logs only its changes "
               "to the document, and the before image that would hold the document lacks it, "
               "so the new value of " +
               join(json_columns) +
               " cannot be known and the daemon stops at the first such update. SET PERSIST "
               "binlog_row_value_options = '' (or binlog_row_image = 'FULL')"});
    }
  }
  if (row_image == "NOBLOB") {
    std::vector<std::string> missing;
    for (const auto& t : tables) {
      for (const auto& column : t.mapped_columns) {
        auto it = t.types.find(column);
        if (it != t.types.end() && is_blob_like(it->second))
          missing.push_back(t.table + "." + column);
      }
    }
    if (!missing.empty()) {
      notes << "note: binlog_row_image is NOBLOB: " << join(missing)
            << " may arrive missing (an update that does not change them leaves them out, "
               "and old images lack them). The connector then leaves their fields, and "
               "templates that use them, out of the call, so Retainly keeps the value it holds; "
               "a mapping that needs them to stay right (ids, where, array items, old values) "
               "is refused unless it says allow_partial: true. FULL sends them always\n";
    }
  }
}

}  // namespace cdc::pipeline
