// `check` for a MySQL/MariaDB source: what the binlog reader needs from the server
// (log_bin, binlog_format=ROW, binlog_row_image=FULL (NOBLOB: a note naming the columns
// it concerns), binlog_row_value_options without PARTIAL_JSON unless FULL, a server id of its own,
// the replication privileges) and what the mappings need from the tables.
#pragma once

#include <ostream>
#include <vector>

#include "cli/check_problem.h"
#include "config/connector_config.h"
#include "mapping/mapper.h"

namespace cdc::cli {

// Appends what is wrong to `problems`; writes notes (fine, but worth knowing) to `out`.
// Throws SourceError when the server cannot be reached.
void check_mysql(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                 std::vector<Problem>& problems, std::ostream& out);

}  // namespace cdc::cli
