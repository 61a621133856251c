// Where a MySQL/MariaDB binlog reader starts reading after a transaction: a binlog file
// and offset, and the GTID state when the server has GTIDs (the stream then resumes by
// GTID, and the file and offset are for people and for servers without GTIDs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/position.h"

namespace cdc::mysql {

struct ResumePoint {
  std::string file;
  uint64_t offset = 4;  // 4: the first event after the file's magic number
  // MariaDB: the GTID state ("0-1-42,1-2-7"); MySQL: the executed GTID set; empty when
  // the server has no GTIDs.
  std::string gtid_state;
  // The transaction it follows, as the stream handed out its end (TransactionEnd's
  // position); nullopt where none was (the current end of the binlog at a first start,
  // or a position file written by an older version). What the last-sent store compares
  // its own position with (ChangeSource::resumed_after).
  std::optional<BinlogPosition> after;
};

// "mysql:binlog.000007:1234": the file and offset in the form to_string(Position) gives
// positions (core/position.h), without the GTID state.
std::string to_string(const ResumePoint& at);

// The inverse of to_string: nullopt unless `text` is "mysql:FILE:OFFSET" with a file name
// and a decimal offset. The GTID state stays empty.
std::optional<ResumePoint> parse_resume_point(std::string_view text);

}  // namespace cdc::mysql
