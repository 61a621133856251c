// The payloads of the commands that start a binlog stream, after the command byte
// (MySQL client/server protocol, "Replication Protocol"; MariaDB's is the same):
//   COM_REGISTER_SLAVE (0x15): server_id(4) hostname(lenenc-1) user(1) password(1)
//       port(2) replication_rank(4) master_id(4)
//   COM_BINLOG_DUMP (0x12): binlog_pos(4) flags(2) server_id(4) binlog_filename(rest)
//   COM_BINLOG_DUMP_GTID (0x1e, MySQL 5.6+): flags(2) server_id(4) filename_length(4)
//       filename binlog_pos(8) [data_size(4) data: the encoded GTID set, when flags has
//       BINLOG_THROUGH_GTID (0x04)]
// All integers little-endian. Pure: bytes out, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::mysql {

inline constexpr uint8_t kComBinlogDump = 0x12;
inline constexpr uint8_t kComRegisterSlave = 0x15;
inline constexpr uint8_t kComBinlogDumpGtid = 0x1e;

// COM_BINLOG_DUMP flag: answer EOF at the end of the binlog instead of waiting.
inline constexpr uint16_t kDumpNonBlock = 0x01;
// COM_BINLOG_DUMP_GTID flag: the data field carries the GTID set to start after.
inline constexpr uint16_t kDumpThroughGtid = 0x04;

std::vector<std::byte> register_replica_payload(uint32_t server_id, std::string_view hostname,
                                                uint16_t port);

// Binlog positions above 4 GiB cannot be expressed in COM_BINLOG_DUMP; the caller uses
// the GTID form or a new file. Throws std::invalid_argument for them.
std::vector<std::byte> binlog_dump_payload(uint32_t server_id, std::string_view file,
                                           uint64_t position, uint16_t flags = 0);

// `gtid_set` is MysqlGtidSet::encode() output; empty for "from the start of `file`".
std::vector<std::byte> binlog_dump_gtid_payload(uint32_t server_id, std::string_view file,
                                                uint64_t position, std::string_view gtid_set,
                                                uint16_t flags = kDumpThroughGtid);

}  // namespace cdc::mysql
