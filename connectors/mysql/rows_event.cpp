#include "connectors/mysql/rows_event.h"

#include <stdexcept>

#include <fmt/format.h>

namespace cdc::mysql {

bool is_rows_event(EventType type) {
  switch (type) {
    case EventType::kWriteRowsV1:
    case EventType::kUpdateRowsV1:
    case EventType::kDeleteRowsV1:
    case EventType::kWriteRows:
    case EventType::kUpdateRows:
    case EventType::kDeleteRows:
    case EventType::kPartialUpdateRows:
      return true;
    default:
      return false;
  }
}

RowsEvent decode_rows_event(const RawEvent& raw, const FormatDescriptionEvent& fde) {
  RowsEvent e;
  e.type_code = raw.header.type_code;
  bool v2 = true;
  switch (raw.header.type()) {
    case EventType::kWriteRowsV1:
      v2 = false;
      [[fallthrough]];
    case EventType::kWriteRows:
      e.kind = RowsKind::kWrite;
      break;
    case EventType::kUpdateRowsV1:
      v2 = false;
      [[fallthrough]];
    case EventType::kUpdateRows:
      e.kind = RowsKind::kUpdate;
      break;
    case EventType::kDeleteRowsV1:
      v2 = false;
      [[fallthrough]];
    case EventType::kDeleteRows:
      e.kind = RowsKind::kDelete;
      break;
    case EventType::kPartialUpdateRows:
      e.kind = RowsKind::kPartialUpdate;
      break;
    default:
      throw std::invalid_argument("decode_rows_event: not a rows event");
  }
  ByteReader r(raw.body, kEventHeaderLength, "rows event");
  const uint8_t known = v2 ? 10 : 8;
  const uint8_t post_header = fde.post_header_length(raw.header.type(), known);
  e.table_id = read_table_id(r, post_header);
  e.flags = r.u16("flags");
  if (v2) {
    const uint16_t extra_length = r.u16("extra data length");
    if (extra_length < 2) r.fail(fmt::format("extra data length {} is below 2", extra_length));
    e.extra_data = r.bytes(extra_length - 2u, "extra data");
  }
  if (post_header > known) r.skip(post_header - known, "post-header extension");
  e.column_count = r.packed("column count");
  const size_t bitmap_bytes = (e.column_count + 7) / 8;
  if (bitmap_bytes > r.remaining()) r.fail(fmt::format("{} columns cannot fit", e.column_count));
  const Bytes first = r.bytes(bitmap_bytes, "present columns");
  if (e.kind == RowsKind::kWrite) {
    e.columns_after = first;
  } else {
    e.columns_before = first;
  }
  if (e.kind == RowsKind::kUpdate || e.kind == RowsKind::kPartialUpdate) {
    e.columns_after = r.bytes(bitmap_bytes, "present columns after");
  }
  e.rows_offset = r.offset();
  e.rows = r.rest();
  return e;
}

}  // namespace cdc::mysql
