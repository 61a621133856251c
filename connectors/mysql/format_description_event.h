// FORMAT_DESCRIPTION_EVENT (15): the first event of every binlog file and of every
// replication stream. It fixes the binlog version, the length of each event type's
// post-header, and whether events carry a CRC32 trailer.
// Layout (MySQL control_events.h, Format_description_event): binlog_version(2)
// server_version(50, NUL padded) create_timestamp(4) common_header_length(1)
// post_header_length[number of event types], then on checksum-aware servers (MySQL
// >= 5.6.1, MariaDB >= 5.3) checksum_alg(1) and the event's own CRC32(4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

struct FormatDescriptionEvent {
  uint16_t binlog_version = 4;
  std::string server_version;
  uint32_t create_timestamp = 0;
  uint8_t common_header_length = 19;
  // Indexed by type code - 1.
  std::vector<uint8_t> post_header_lengths;
  ChecksumAlgorithm checksum = ChecksumAlgorithm::kOff;

  bool is_mariadb() const;
  // The post-header length the server declared for `type`, or `fallback` when the
  // event type is beyond the server's table.
  uint8_t post_header_length(EventType type, uint8_t fallback) const;
};

// Decodes a whole FORMAT_DESCRIPTION_EVENT (header included). Verifies the event's own
// CRC32 when it announces CRC32. Throws ProtocolError on malformed bytes or a common
// header length other than 19 (binlog v4 is the only version decoded).
FormatDescriptionEvent decode_format_description(Bytes event);

}  // namespace cdc::mysql
