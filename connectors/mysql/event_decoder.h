// EventDecoder: raw event bytes in, one typed BinlogEvent out. It keeps the state a
// binlog stream carries between events: the current FORMAT_DESCRIPTION_EVENT (post-
// header lengths, checksum algorithm) and the table maps by table id, so that a rows
// event comes out with its TableMap attached. Feed it every event of a file (from
// BinlogFileReader) or every packet of a replication stream (the bytes after the OK
// byte), in order, then read rows with RowImageReader.
//
// Not thread-safe; one decoder per stream. Returned events hold views into the bytes
// passed in (rows, payloads): those bytes must stay alive while the event is used.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <variant>
#include <vector>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/control_events.h"
#include "connectors/mysql/format_description_event.h"
#include "connectors/mysql/gtid_events.h"
#include "connectors/mysql/rows_event.h"
#include "connectors/mysql/table_map_event.h"
#include "connectors/mysql/transaction_payload_event.h"

namespace cdc::mysql {

// TABLE_MAP_EVENT: shared with the rows events that follow and with the cache.
struct TableMapEvent {
  std::shared_ptr<const TableMap> table;
};

using EventBody =
    std::variant<SkippedEvent, FormatDescriptionEvent, RotateEvent, QueryEvent, XidEvent,
                 TableMapEvent, RowsEvent, GtidEvent, PreviousGtidsEvent, MariadbGtidEvent,
                 MariadbGtidListEvent, AnnotateRowsEvent, BinlogCheckpointEvent, HeartbeatEvent,
                 TransactionPayloadEvent, RowsQueryEvent, StopEvent, IncidentEvent, XaPrepareEvent>;

struct BinlogEvent {
  EventHeader header;
  EventBody body;
};

class EventDecoder {
 public:
  // `before_first_format` is the checksum algorithm of events that arrive before any
  // FORMAT_DESCRIPTION_EVENT: on a replication stream, the artificial ROTATE carries a
  // trailer when the connection negotiated @source_binlog_checksum = CRC32. Files start
  // with a FORMAT_DESCRIPTION_EVENT, so the default does not matter for them.
  explicit EventDecoder(ChecksumAlgorithm before_first_format = ChecksumAlgorithm::kOff,
                        bool verify_checksums = true);

  // Decodes one whole event (header, body, checksum trailer). Throws ProtocolError on
  // malformed bytes, a checksum mismatch, or MariaDB compressed events
  // (log_bin_compress), which are not supported. Unknown event types decode to
  // SkippedEvent. A rows event whose table id has no preceding table map gets a null
  // `table`.
  BinlogEvent decode(Bytes event);

  // Decodes an event from inside a TRANSACTION_PAYLOAD_EVENT: such events carry no
  // checksum trailer, whatever the stream's algorithm.
  BinlogEvent decode_payload_event(Bytes event);

  const FormatDescriptionEvent& format() const { return format_; }
  // The table map last seen for `table_id`, or null.
  std::shared_ptr<const TableMap> table(uint64_t table_id) const;

 private:
  BinlogEvent decode_split(const RawEvent& raw);
  TableMapEvent remember_table_map(const RawEvent& raw);

  struct CachedTable {
    std::vector<std::byte> body;  // the event body it was decoded from
    std::shared_ptr<const TableMap> table;
  };

  FormatDescriptionEvent format_;
  bool verify_checksums_;
  std::unordered_map<uint64_t, CachedTable> tables_;
};

}  // namespace cdc::mysql
