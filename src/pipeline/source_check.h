// The online half of `check`: what the source must offer the mappings and the reader, and
// whether Retainly accepts the credentials. Reads only; writes nothing anywhere.
#pragma once

#include <optional>
#include <ostream>
#include <vector>

#include "config/connector_config.h"
#include "mapping/mapper.h"
#include "pipeline/check_problem.h"
#include "sink/sink_options.h"

namespace cdc::pipeline {

// PostgreSQL: wal_level, the slot's health, the mapped tables and columns, replica
// identities, the publication. Appends what is wrong to `problems`; writes notes (fine,
// but worth knowing) to `out`. Throws SourceError when the server cannot be reached.
void check_postgres(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                    std::vector<Problem>& problems, std::ostream& out);

// MySQL/MariaDB: log_bin, binlog_format=ROW, the row image, a server id of its own, the
// replication privileges, the mapped tables and columns. As check_postgres.
void check_mysql(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                 std::vector<Problem>& problems, std::ostream& out);

// The source named by the config: check_postgres or check_mysql.
void check_source(const config::ConnectorConfig& config, const mapping::Mapper& mapper,
                  std::vector<Problem>& problems, std::ostream& out);

// Asks Retainly whether it accepts the configured credentials, changing nothing there;
// nullopt when it does.
std::optional<Problem> check_credentials(const sink::SinkOptions& sink);

}  // namespace cdc::pipeline
