// The reference decoding: a parser of `mariadb-binlog --base64-output=decode-rows
// --verbose` output and a renderer of our cdc::Values in that tool's notation, so the
// fixture tests can compare value by value. The notation follows MariaDB's
// log_event_print_value() (client/mysqlbinlog, sql/log_event_client.cc): integers as
// signed with the unsigned reading in parentheses when negative ("-1
// (18446744073709551615)"), FLOAT "%g", DOUBLE "%.20g", DATE 'YYYY:MM:DD', DATETIME
// 'YYYY-MM-DD hh:mm:ss[.f]', TIMESTAMP as epoch seconds[.f], TIME '[-]hh:mm:ss[.f]',
// YEAR 4 digits (0 prints as 1900), ENUM as its index, SET and BIT as b'0101', strings
// quoted with bytes below 0x20 as \xNN and everything else raw.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mysql/table_map_event.h"
#include "core/value.h"

namespace cdc::mysql::testing {

struct PrintedRowChange {
  std::string op;                     // "INSERT", "UPDATE" or "DELETE"
  std::string table;                  // "`schema`.`table`"
  std::map<int, std::string> before;  // @N (1-based column) -> printed value
  std::map<int, std::string> after;
};

std::vector<PrintedRowChange> parse_mariadb_binlog_output(std::string_view text);

// `value` of `column` as mariadb-binlog prints it.
std::string render_like_mariadb_binlog(const Value& value, const ColumnInfo& column);

// True when `printed` is how mariadb-binlog shows `value`. Our decoder turns MySQL's
// zero dates and zero timestamps into NULL; mariadb-binlog prints their zero form,
// which is accepted for a NULL value of those types.
bool same_as_printed(std::string_view printed, const Value& value, const ColumnInfo& column);

}  // namespace cdc::mysql::testing
