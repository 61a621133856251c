// The small events that frame transactions and files. One struct per event kind; each
// decoder takes the event split by split_event() (body without checksum) and the
// current FORMAT_DESCRIPTION_EVENT. Layouts: MySQL libs/mysql/binlog/event/
// control_events.h and statement_events.h; MariaDB sql/log_event.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/format_description_event.h"

namespace cdc::mysql {

// ROTATE_EVENT (4): post-header position(8); body: the next file's name (the rest of
// the event). A stream also sends one artificial rotate (log_pos 0) on connect.
struct RotateEvent {
  uint64_t position = 0;
  std::string next_file;
};

// QUERY_EVENT (2): post-header thread_id(4) exec_time(4) schema_length(1)
// error_code(2) status_vars_length(2); body: status vars (skipped by length), schema,
// NUL, statement text. BEGIN, COMMIT, DDL.
struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string schema;
  std::string query;
};

// XID_EVENT (16): the commit of an XA-capable (InnoDB) transaction.
struct XidEvent {
  uint64_t xid = 0;
};

// XA_PREPARE_LOG_EVENT (38; MySQL 5.7+, MariaDB 10.5+): ends the group that XA PREPARE
// wrote (XA START, rows, XA END, this). The rows are not committed yet: a later group
// "XA COMMIT xid" or "XA ROLLBACK xid" decides. With one_phase set (MySQL's XA COMMIT ...
// ONE PHASE) the group commits here. Body: one_phase(1) format_id(4) gtrid_length(4)
// bqual_length(4) gtrid bqual, each part at most 64 bytes. Layouts: MySQL
// libs/mysql/binlog/event/control_events.h (XA_prepare_event), MariaDB sql/log_event.h
// (XA_prepare_log_event).
struct XaPrepareEvent {
  bool one_phase = false;
  int32_t format_id = 0;
  std::string gtrid;
  std::string bqual;

  // The xid as the server spells it in the statements it logs ("XA COMMIT
  // X'6162',X'',1"): X'gtrid hex',X'bqual hex',format_id.
  std::string xid() const;
};

// An xid as the servers spell it in the XA statements they log: X'gtrid hex',X'bqual
// hex',format_id (lower-case hex).
std::string xid_text(int32_t format_id, std::string_view gtrid, std::string_view bqual);

// STOP_EVENT (3): the server shut down; the file ends here.
struct StopEvent {};

// INCIDENT_EVENT (26): something happened that replicas cannot reproduce (the binlog
// may miss changes). incident(2) message_length(1) message.
struct IncidentEvent {
  uint16_t incident = 0;
  std::string message;
};

// HEARTBEAT_LOG_EVENT (27) and HEARTBEAT_LOG_EVENT_V2 (41): sent by the source when
// idle; never written to files. v1 carries the file name as body and the position in
// the header's log_pos; v2 carries both as TLV fields (type, length, value; packed
// integers): 1 = file name, 2 = position, 0 = end.
struct HeartbeatEvent {
  std::string log_file;
  uint64_t log_position = 0;
};

// ROWS_QUERY_LOG_EVENT (29, MySQL binlog_rows_query_log_events): the statement behind
// the following rows events. length(1, truncated at 255, ignored) then the text.
struct RowsQueryEvent {
  std::string query;
};

// ANNOTATE_ROWS_EVENT (160, MariaDB binlog_annotate_row_events): the statement text.
struct AnnotateRowsEvent {
  std::string query;
};

// BINLOG_CHECKPOINT_EVENT (161, MariaDB): name_length(4) then the oldest binlog file
// still needed for crash recovery.
struct BinlogCheckpointEvent {
  std::string file;
};

// Any event this decoder does not model (INTVAR, RAND, USER_VAR, load data, view
// change, ...), and unknown future types.
struct SkippedEvent {
  uint8_t type_code = 0;
  uint32_t size = 0;
};

RotateEvent decode_rotate(const RawEvent& raw, const FormatDescriptionEvent& fde);
QueryEvent decode_query(const RawEvent& raw, const FormatDescriptionEvent& fde);
XidEvent decode_xid(const RawEvent& raw);
XaPrepareEvent decode_xa_prepare(const RawEvent& raw);
IncidentEvent decode_incident(const RawEvent& raw);
HeartbeatEvent decode_heartbeat(const RawEvent& raw);
HeartbeatEvent decode_heartbeat_v2(const RawEvent& raw);
RowsQueryEvent decode_rows_query(const RawEvent& raw);
AnnotateRowsEvent decode_annotate_rows(const RawEvent& raw);
BinlogCheckpointEvent decode_binlog_checkpoint(const RawEvent& raw);

}  // namespace cdc::mysql
