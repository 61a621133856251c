// The answers a MySQL source's connector needs from tests/support/mysql_wire_server, as a
// real MySQL of the announced version gives them: the server variables the reader checks,
// the binlog position (SHOW MASTER STATUS up to 8.3, SHOW BINARY LOG STATUS from 8.2, the
// old name a syntax error from 8.4), the GTID state, and the HA instance lock.
#pragma once

#include <string>

#include "support/mysql_wire_server.h"

namespace cdc::test {

struct MysqlSourceAnswers {
  bool gtid_mode = false;
  // @@global.gtid_executed and the status's Executed_Gtid_Set when gtid_mode.
  std::string gtid_executed;
  // The position the status reports (where a start without a stored position begins).
  uint64_t position = 4;
};

// (major, minor) of a version string such as "8.4.2" or "9.1.0-commercial".
std::pair<int, int> mysql_version(const std::string& version);

// A two-column SHOW VARIABLES answer.
wire::ResultSet variable_row(const std::string& name, const std::string& value);

// Scripts every query `retainly-cdc run` sends to start streaming from a MySQL of
// server.options().server_version.
void script_mysql_source(MysqlWireServer& server, const MysqlSourceAnswers& answers = {});

}  // namespace cdc::test
