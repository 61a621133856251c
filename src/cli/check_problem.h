// One thing `check` found wrong, with the exit code it maps to (cli/exit_code.h).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mapping/mapper.h"

namespace cdc::cli {

struct Problem {
  int exit_code;
  std::string message;
};

// The columns of `req`'s table that its mapping names but the table lacks, and declared
// field types its columns' types do not convert to (`converts(declared, type)`), given the
// table's column types by name. Appends one configuration problem each.
void check_mapped_columns(
    const mapping::TableRequirements& req, const std::map<std::string, std::string>& types,
    const std::function<bool(const std::string&, const std::string&)>& converts,
    std::vector<Problem>& problems);

}  // namespace cdc::cli
