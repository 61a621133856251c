// One binlog event as raw bytes: the 19-byte v4 common header, the body, and the
// optional CRC32 trailer. MySQL: libs/mysql/binlog/event/binlog_event.h (Log_event_header,
// Log_event_footer); MariaDB: sql/log_event.h.
#pragma once

#include <cstdint>

#include "connectors/mysql/binlog_constants.h"
#include "connectors/mysql/byte_reader.h"

namespace cdc::mysql {

struct EventHeader {
  uint32_t timestamp = 0;  // seconds since the epoch when the statement started
  uint8_t type_code = 0;   // an EventType, kept raw: unknown codes are legal
  uint32_t server_id = 0;
  uint32_t event_size = 0;  // header + body + checksum
  // Offset of the next event in the source's binlog file. 0 for artificial events
  // and for events inside a TRANSACTION_PAYLOAD_EVENT.
  uint32_t log_pos = 0;
  uint16_t flags = 0;

  EventType type() const { return static_cast<EventType>(type_code); }
};

// Reads the common header at the start of `event`. Throws ProtocolError when fewer
// than 19 bytes are there or the declared size is below 19.
EventHeader decode_event_header(Bytes event);

// The event at the start of `rest` (events back to back, as in a file or a
// transaction payload): exactly as many bytes as its header declares. Throws
// ProtocolError, naming `where` and `offset`, when the header is cut short or the
// event runs past the end of `rest`.
Bytes frame_event(Bytes rest, uint64_t offset, const char* where);

// An event split into its parts. Views into the caller's bytes: they must outlive it.
struct RawEvent {
  EventHeader header;
  Bytes event;  // the whole event, header and trailer included
  Bytes body;   // after the header, without the checksum trailer
};

// Splits a whole event (exactly header.event_size bytes). With kCrc32 the last four
// bytes are the checksum; when `verify` is set it is checked and a mismatch throws
// ProtocolError. Quirk handled: in a binlog file still open for writing the first
// event carries LOG_EVENT_BINLOG_IN_USE_F, but the server computed its CRC before
// setting that flag, so a mismatch is retried with the flag cleared.
RawEvent split_event(Bytes event, ChecksumAlgorithm checksum, bool verify = true);

}  // namespace cdc::mysql
