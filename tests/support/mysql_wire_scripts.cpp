#include "support/mysql_wire_scripts.h"

#include <cstdio>

namespace cdc::test {
namespace {

// What MySQL answers a statement its grammar no longer has.
WireError syntax_error(const std::string& near) {
  return {1064, "42000",
          "You have an error in your SQL syntax; check the manual that corresponds to your "
          "MySQL server version for the right syntax to use near '" +
              near + "' at line 1"};
}

}  // namespace

std::pair<int, int> mysql_version(const std::string& version) {
  int major = 0;
  int minor = 0;
  std::sscanf(version.c_str(), "%d.%d", &major, &minor);
  return {major, minor};
}

wire::ResultSet variable_row(const std::string& name, const std::string& value) {
  return {{"Variable_name", "Value"}, {{name, value}}};
}

void script_mysql_source(MysqlWireServer& server, const MysqlSourceAnswers& answers) {
  const auto& o = server.options();
  const auto version = mysql_version(o.server_version);
  auto variable = [&](const std::string& name, const std::string& value) {
    server.answer("SHOW GLOBAL VARIABLES LIKE '" + name + "'", variable_row(name, value));
  };
  variable("log_bin", "ON");
  variable("binlog_format", "ROW");
  variable("binlog_checksum", o.checksum ? "CRC32" : "NONE");
  variable("gtid_mode", answers.gtid_mode ? "ON" : "OFF");
  // `run` reads it before streaming (pipeline/row_image_findings.h); FULL asks no more.
  variable("binlog_row_image", "FULL");
  // Snapshot watermarks and `check` ask: commits visible in binlog order (the default).
  variable("binlog_order_commits", "ON");

  const std::string executed = answers.gtid_mode ? answers.gtid_executed : "";
  const wire::ResultSet status{
      {"File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set"},
      {{o.binlog_name, std::to_string(answers.position), "", "", executed}}};
  // 8.2 added SHOW BINARY LOG STATUS; 8.4 removed SHOW MASTER STATUS.
  if (version < std::pair{8, 4}) {
    server.answer("SHOW MASTER STATUS", status);
  } else {
    server.answer("SHOW MASTER STATUS", syntax_error("MASTER STATUS"));
  }
  if (version >= std::pair{8, 2}) {
    server.answer("SHOW BINARY LOG STATUS", status);
  } else {
    server.answer("SHOW BINARY LOG STATUS", syntax_error("BINARY LOG STATUS"));
  }
  server.answer("SELECT @@global.gtid_executed",
                wire::ResultSet{{"@@global.gtid_executed"}, {{executed}}});
  // The HA instance lock: taken, and still ours at every check.
  server.answer_regex(R"(SELECT GET_LOCK\('retainly_cdc:\d+', 0\))",
                      wire::ResultSet{{"GET_LOCK"}, {{"1"}}});
  server.answer_regex(R"(SELECT IS_USED_LOCK\('retainly_cdc:\d+'\) = CONNECTION_ID\(\))",
                      wire::ResultSet{{"IS_USED_LOCK"}, {{"1"}}});
}

}  // namespace cdc::test
