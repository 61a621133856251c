// Loading mapping files (mappings/README.md is the language reference). Every problem a
// file can be checked for offline is a cdc::ConfigError naming file, line, column and key;
// column names are checked later, against each schema the stream brings.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "mapping/mapping_options.h"
#include "mapping/table_mapping.h"

namespace cdc::mapping {

// Every *.yaml and *.yml file directly in `dir`, in file name order. Two files for the
// same table are an error naming both; so are customer fields (across files, "id"
// included) beyond Retainly's 500 and array fields beyond its 15. A missing folder is an
// error; an empty one gives an empty list.
std::vector<TableMapping> load_mapping_dir(const std::filesystem::path& dir,
                                           const MappingOptions& options);

TableMapping load_mapping_file(const std::filesystem::path& file, const MappingOptions& options);

// `file_name` is used in messages only.
TableMapping parse_mapping(std::string_view yaml, std::string_view file_name,
                           const MappingOptions& options);

}  // namespace cdc::mapping
