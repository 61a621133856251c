#include "connectors/mysql/event_decoder.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/errors.h"

namespace cdc::mysql {

EventDecoder::EventDecoder(ChecksumAlgorithm before_first_format, bool verify_checksums)
    : verify_checksums_(verify_checksums) {
  format_.checksum = before_first_format;
}

std::shared_ptr<const TableMap> EventDecoder::table(uint64_t table_id) const {
  const auto it = tables_.find(table_id);
  return it == tables_.end() ? nullptr : it->second.table;
}

BinlogEvent EventDecoder::decode(Bytes event) {
  const EventHeader header = decode_event_header(event);
  if (header.type() == EventType::kFormatDescription) {
    format_ = decode_format_description(event);
    return BinlogEvent{header, format_};
  }
  return decode_split(split_event(event, format_.checksum, verify_checksums_));
}

BinlogEvent EventDecoder::decode_payload_event(Bytes event) {
  const RawEvent raw = split_event(event, ChecksumAlgorithm::kOff);
  switch (raw.header.type()) {
    case EventType::kFormatDescription:
    case EventType::kTransactionPayload:
    case EventType::kRotate:
      throw ProtocolError(fmt::format("event type {} cannot appear inside a transaction payload",
                                      raw.header.type_code));
    default:
      return decode_split(raw);
  }
}

TableMapEvent EventDecoder::remember_table_map(const RawEvent& raw) {
  // Servers send the table map again before every transaction's rows; decoding it (and
  // its ENUM/SET strings) again is avoided when the bytes have not changed.
  ByteReader r(raw.body, kEventHeaderLength, "table map event");
  const uint64_t id = read_table_id(r, format_.post_header_length(EventType::kTableMap, 8));
  CachedTable& cached = tables_[id];
  if (cached.table == nullptr ||
      !std::equal(cached.body.begin(), cached.body.end(), raw.body.begin(), raw.body.end())) {
    cached.table = std::make_shared<const TableMap>(decode_table_map(raw, format_));
    cached.body.assign(raw.body.begin(), raw.body.end());
  }
  return TableMapEvent{cached.table};
}

BinlogEvent EventDecoder::decode_split(const RawEvent& raw) {
  BinlogEvent out{raw.header, SkippedEvent{raw.header.type_code, raw.header.event_size}};
  const EventType type = raw.header.type();
  switch (type) {
    case EventType::kRotate:
      // Table ids are only valid within one file (a transaction never spans a rotate).
      tables_.clear();
      out.body = decode_rotate(raw, format_);
      break;
    case EventType::kQuery:
      out.body = decode_query(raw, format_);
      break;
    case EventType::kXid:
      out.body = decode_xid(raw);
      break;
    case EventType::kXaPrepare:
      out.body = decode_xa_prepare(raw);
      break;
    case EventType::kStop:
      out.body = StopEvent{};
      break;
    case EventType::kIncident:
      out.body = decode_incident(raw);
      break;
    case EventType::kHeartbeat:
      out.body = decode_heartbeat(raw);
      break;
    case EventType::kHeartbeatV2:
      out.body = decode_heartbeat_v2(raw);
      break;
    case EventType::kTableMap:
      out.body = remember_table_map(raw);
      break;
    case EventType::kWriteRowsV1:
    case EventType::kUpdateRowsV1:
    case EventType::kDeleteRowsV1:
    case EventType::kWriteRows:
    case EventType::kUpdateRows:
    case EventType::kDeleteRows:
    case EventType::kPartialUpdateRows: {
      RowsEvent rows = decode_rows_event(raw, format_);
      rows.table = table(rows.table_id);
      out.body = std::move(rows);
      break;
    }
    case EventType::kGtid:
    case EventType::kAnonymousGtid:
      out.body = decode_gtid(raw);
      break;
    case EventType::kGtidTagged:
      out.body = decode_tagged_gtid(raw);
      break;
    case EventType::kPreviousGtids:
      out.body = decode_previous_gtids(raw);
      break;
    case EventType::kTransactionPayload:
      out.body = decode_transaction_payload(raw);
      break;
    case EventType::kRowsQuery:
      out.body = decode_rows_query(raw);
      break;
    case EventType::kMariadbGtid:
      out.body = decode_mariadb_gtid(raw);
      break;
    case EventType::kMariadbGtidList:
      out.body = decode_mariadb_gtid_list(raw);
      break;
    case EventType::kMariadbAnnotateRows:
      out.body = decode_annotate_rows(raw);
      break;
    case EventType::kMariadbBinlogCheckpoint:
      out.body = decode_binlog_checkpoint(raw);
      break;
    case EventType::kMariadbQueryCompressed:
    case EventType::kMariadbWriteRowsCompressedV1:
    case EventType::kMariadbUpdateRowsCompressedV1:
    case EventType::kMariadbDeleteRowsCompressedV1:
    case EventType::kMariadbWriteRowsCompressed:
    case EventType::kMariadbUpdateRowsCompressed:
    case EventType::kMariadbDeleteRowsCompressed:
      throw ProtocolError(fmt::format(
          "MariaDB compressed binlog event (type {}) at log position {}: not supported; set "
          "log_bin_compress=OFF on the server",
          raw.header.type_code, raw.header.log_pos));
    default:
      break;
  }
  return out;
}

}  // namespace cdc::mysql
