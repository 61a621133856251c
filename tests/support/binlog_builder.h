// Binlog events made up by a test, for tests/support/mysql_wire_server to stream where no
// recorded file has what the test needs (the snapshot's watermark rows, a table with a
// generated invisible primary key): a FORMAT_DESCRIPTION, and whole transactions of
// MySQL 8's shape with binlog_row_metadata=FULL: [GTID,] QUERY "BEGIN", TABLE_MAP with its
// optional metadata, WRITE_ROWS or UPDATE_ROWS v2, XID. Only the column types listed in
// BuiltColumn. Layouts:
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
// Test code only. Events come with log_pos 0; MysqlWireServer::append_events places them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/mysql_wire.h"

namespace cdc::test::wire {

inline constexpr uint8_t kTypeTiny = 1;      // TINYINT
inline constexpr uint8_t kTypeLong = 3;      // INT
inline constexpr uint8_t kTypeLongLong = 8;  // BIGINT
inline constexpr uint8_t kTypeVarchar = 15;  // VARCHAR

struct BuiltColumn {
  std::string name;
  uint8_t type = kTypeLong;
  // VARCHAR: the most bytes a value takes (characters x the charset's widest character).
  uint16_t max_bytes = 0;
  bool is_unsigned = false;
  bool nullable = true;
  // INVISIBLE (MySQL 8.0.23+), as a generated invisible primary key's my_row_id is.
  bool visible = true;
};

struct BuiltTable {
  uint64_t id = 100;  // the table id rows events refer to
  std::string schema;
  std::string table;
  std::vector<BuiltColumn> columns;
  std::vector<uint32_t> primary_key;  // column indexes
  uint32_t charset = 255;             // utf8mb4_0900_ai_ci, MySQL 8's default
  // binlog_row_metadata=FULL: the table map names the columns, the key, the visibility;
  // MINIMAL (MySQL's default): none of that, a reader asks the catalog.
  bool full_metadata = true;
};

// One row: each column's value as text (integers in decimal), nullopt for NULL.
using BuiltRow = std::vector<std::optional<std::string>>;

struct BuiltTransaction {
  uint32_t server_id = 1;
  uint32_t timestamp = 1700000000;
  bool checksum = true;
  // "uuid:gno": a GTID event opens the transaction; empty: none (gtid_mode OFF writes an
  // anonymous one, which readers skip).
  std::string gtid;
  uint64_t xid = 1;
};

// A FORMAT_DESCRIPTION_EVENT of `server_version` with MySQL 8's post-header lengths.
Bytes format_description_event(const std::string& server_version, uint32_t server_id,
                               bool checksum);

// The events of a transaction inserting `rows` into `table`.
std::vector<Bytes> insert_transaction(const BuiltTable& table, const std::vector<BuiltRow>& rows,
                                      const BuiltTransaction& transaction);
// The events of a transaction updating rows of `table` (UPDATE_ROWS v2, before and after
// images whole, as binlog_row_image=FULL writes them).
std::vector<Bytes> update_transaction(const BuiltTable& table,
                                      const std::vector<std::pair<BuiltRow, BuiltRow>>& rows,
                                      const BuiltTransaction& transaction);

}  // namespace cdc::test::wire
