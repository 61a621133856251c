// WRITE/UPDATE/DELETE_ROWS_EVENT v1 (23-25), v2 (30-32) and PARTIAL_UPDATE_ROWS_EVENT
// (39): the framing of a rows event. The row images themselves are decoded by
// RowImageReader (row_image_decoder.h) against the table's TableMap.
// Layout (MySQL libs/mysql/binlog/event/rows_event.h, Rows_event):
//   post-header: table_id(6; 4 with a 6-byte post-header) flags(2)
//                v2 only: extra_info_length(2, counts itself) extra_info
//   body: column_count(packed) columns_present[(n + 7) / 8]
//         update kinds only: columns_present_after[(n + 7) / 8]
//         rows: back to back until the end of the event
#pragma once

#include <cstdint>
#include <memory>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/format_description_event.h"
#include "connectors/mysql/table_map_event.h"

namespace cdc::mysql {

enum class RowsKind : uint8_t { kWrite, kUpdate, kDelete, kPartialUpdate };

// Views into the event's bytes: the event must outlive it.
struct RowsEvent {
  static constexpr uint16_t kStatementEndFlag = 0x0001;  // STMT_END_F

  RowsKind kind = RowsKind::kWrite;
  uint8_t type_code = 0;
  uint64_t table_id = 0;
  uint16_t flags = 0;
  Bytes extra_data;  // v2 extra row info (NDB data, partition ids); empty for v1
  uint64_t column_count = 0;
  Bytes columns_before;  // present-column bitmap of before images (update, delete)
  Bytes columns_after;   // present-column bitmap of after images (write, update)
  Bytes rows;
  size_t rows_offset = 0;  // where `rows` starts in the event, for error messages
  // The table map this event refers to; EventDecoder fills it from its cache.
  std::shared_ptr<const TableMap> table;

  bool has_before_image() const { return kind != RowsKind::kWrite; }
  bool has_after_image() const { return kind != RowsKind::kDelete; }
  bool statement_end() const { return (flags & kStatementEndFlag) != 0; }
};

// True for the six rows event types and PARTIAL_UPDATE_ROWS_EVENT.
bool is_rows_event(EventType type);

// Decodes the framing of a rows event. Throws ProtocolError on malformed bytes.
RowsEvent decode_rows_event(const RawEvent& raw, const FormatDescriptionEvent& fde);

}  // namespace cdc::mysql
