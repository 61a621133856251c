#include "connectors/mysql/control_events.h"

#include <fmt/format.h>

namespace cdc::mysql {
namespace {

ByteReader body_reader(const RawEvent& raw, const char* what) {
  return ByteReader(raw.body, kEventHeaderLength, what);
}

// Skips post-header bytes beyond the ones a decoder knows, as servers may append
// fields there in later versions.
void skip_post_header_rest(ByteReader& r, size_t declared, size_t known) {
  if (declared > known) r.skip(declared - known, "post-header extension");
}

}  // namespace

RotateEvent decode_rotate(const RawEvent& raw, const FormatDescriptionEvent& fde) {
  ByteReader r = body_reader(raw, "rotate event");
  RotateEvent e;
  const uint8_t post_header = fde.post_header_length(EventType::kRotate, 8);
  if (post_header >= 8) {
    e.position = r.u64("position");
    skip_post_header_rest(r, post_header, 8);
  }
  e.next_file = std::string(as_string_view(r.rest()));
  return e;
}

QueryEvent decode_query(const RawEvent& raw, const FormatDescriptionEvent& fde) {
  ByteReader r = body_reader(raw, "query event");
  QueryEvent e;
  const uint8_t post_header = fde.post_header_length(EventType::kQuery, 13);
  if (post_header < 11) r.fail(fmt::format("post-header of {} bytes is too short", post_header));
  e.thread_id = r.u32("thread id");
  e.exec_time = r.u32("exec time");
  const uint8_t schema_length = r.u8("schema length");
  e.error_code = r.u16("error code");
  uint16_t status_length = 0;
  if (post_header >= 13) status_length = r.u16("status vars length");
  skip_post_header_rest(r, post_header, 13);
  r.skip(status_length, "status vars");
  e.schema = std::string(r.str(schema_length, "schema"));
  r.skip(1, "schema terminator");
  e.query = std::string(as_string_view(r.rest()));
  return e;
}

XidEvent decode_xid(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "xid event");
  return XidEvent{r.u64("xid")};
}

XaPrepareEvent decode_xa_prepare(const RawEvent& raw) {
  // XIDDATASIZE in both servers: gtrid and bqual of at most 64 bytes each.
  constexpr uint32_t kMaxPart = 64;
  ByteReader r = body_reader(raw, "xa prepare event");
  XaPrepareEvent e;
  e.one_phase = r.u8("one phase") != 0;
  e.format_id = static_cast<int32_t>(r.u32("format id"));
  const uint32_t gtrid_length = r.u32("gtrid length");
  const uint32_t bqual_length = r.u32("bqual length");
  if (gtrid_length > kMaxPart || bqual_length > kMaxPart) {
    r.fail(fmt::format("xid parts of {} and {} bytes (at most {} each)", gtrid_length, bqual_length,
                       kMaxPart));
  }
  e.gtrid = std::string(r.str(gtrid_length, "gtrid"));
  e.bqual = std::string(r.str(bqual_length, "bqual"));
  return e;
}

std::string xid_text(int32_t format_id, std::string_view gtrid, std::string_view bqual) {
  auto hex = [](std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
    return out;
  };
  return fmt::format("X'{}',X'{}',{}", hex(gtrid), hex(bqual), format_id);
}

std::string XaPrepareEvent::xid() const { return xid_text(format_id, gtrid, bqual); }

IncidentEvent decode_incident(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "incident event");
  IncidentEvent e;
  e.incident = r.u16("incident");
  const uint8_t length = r.u8("message length");
  e.message = std::string(r.str(length, "message"));
  return e;
}

HeartbeatEvent decode_heartbeat(const RawEvent& raw) {
  return HeartbeatEvent{std::string(as_string_view(raw.body)), raw.header.log_pos};
}

HeartbeatEvent decode_heartbeat_v2(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "heartbeat v2 event");
  HeartbeatEvent e;
  while (!r.at_end()) {
    const uint64_t type = r.packed("field type");
    if (type == 0) break;
    const uint64_t length = r.packed("field length");
    const Bytes value = r.bytes(length, "field value");
    if (type == 1) {
      e.log_file = std::string(as_string_view(value));
    } else if (type == 2) {
      ByteReader v(value, r.offset() - value.size(), "heartbeat v2 position");
      e.log_position = v.packed("log position");
    }
  }
  return e;
}

RowsQueryEvent decode_rows_query(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "rows query event");
  r.skip(1, "length");
  return RowsQueryEvent{std::string(as_string_view(r.rest()))};
}

AnnotateRowsEvent decode_annotate_rows(const RawEvent& raw) {
  return AnnotateRowsEvent{std::string(as_string_view(raw.body))};
}

BinlogCheckpointEvent decode_binlog_checkpoint(const RawEvent& raw) {
  ByteReader r = body_reader(raw, "binlog checkpoint event");
  const uint32_t length = r.u32("file name length");
  return BinlogCheckpointEvent{std::string(r.str(length, "file name"))};
}

}  // namespace cdc::mysql
