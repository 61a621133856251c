// Wire constants of the MySQL and MariaDB binary log, in one place.
// Sources: MySQL libs/mysql/binlog/event/binlog_event.h (Log_event_type),
// include/field_types.h (enum_field_types); MariaDB sql/log_event.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cdc::mysql {

// Every binlog file starts with these four bytes.
inline constexpr uint8_t kBinlogMagic[4] = {0xfe, 'b', 'i', 'n'};

// The v4 common header: timestamp(4) type(1) server_id(4) event_size(4) log_pos(4)
// flags(2).
inline constexpr size_t kEventHeaderLength = 19;
inline constexpr size_t kChecksumLength = 4;

// Header flags (binlog_event.h: LOG_EVENT_*_F).
inline constexpr uint16_t kFlagBinlogInUse = 0x0001;
inline constexpr uint16_t kFlagSuppressUse = 0x0008;
inline constexpr uint16_t kFlagArtificial = 0x0020;
inline constexpr uint16_t kFlagIgnorable = 0x0080;

// Event type codes. Values come from the server sources named above.
enum class EventType : uint8_t {
  kUnknown = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kBeginLoadQuery = 17,
  kExecuteLoadQuery = 18,
  kTableMap = 19,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRows = 30,
  kUpdateRows = 31,
  kDeleteRows = 32,
  kGtid = 33,
  kAnonymousGtid = 34,
  kPreviousGtids = 35,
  kTransactionContext = 36,
  kViewChange = 37,
  kXaPrepare = 38,
  kPartialUpdateRows = 39,
  kTransactionPayload = 40,
  kHeartbeatV2 = 41,
  kGtidTagged = 42,
  kMariadbAnnotateRows = 160,
  kMariadbBinlogCheckpoint = 161,
  kMariadbGtid = 162,
  kMariadbGtidList = 163,
  kMariadbStartEncryption = 164,
  kMariadbQueryCompressed = 165,
  kMariadbWriteRowsCompressedV1 = 166,
  kMariadbUpdateRowsCompressedV1 = 167,
  kMariadbDeleteRowsCompressedV1 = 168,
  kMariadbWriteRowsCompressed = 169,
  kMariadbUpdateRowsCompressed = 170,
  kMariadbDeleteRowsCompressed = 171,
};

// Column types as they appear in a TABLE_MAP_EVENT (enum_field_types). ENUM and SET
// never appear there directly: they travel as STRING with the real type in the
// metadata (see table_map_event.h).
enum class ColumnType : uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDateTime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDateTime2 = 18,
  kTime2 = 19,
  kTypedArray = 20,
  kMariadbVarcharCompressed = 140,
  kMariadbBlobCompressed = 141,
  kVector = 242,
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

// The checksum algorithm a FORMAT_DESCRIPTION_EVENT announces (binlog_event.h:
// enum_binlog_checksum_alg).
enum class ChecksumAlgorithm : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

// Collation id of the binary "charset" (BLOB, BINARY, VARBINARY).
inline constexpr uint32_t kBinaryCollation = 63;

}  // namespace cdc::mysql
