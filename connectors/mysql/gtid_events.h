// Events that name transactions: MySQL GTIDs (33, 34, 42) and the GTID set at the
// start of a file (35); MariaDB GTIDs (162) and GTID lists (163).
// MySQL: libs/mysql/binlog/event/control_events.h (Gtid_event, Previous_gtids_event)
// and libs/mysql/serialization/readme.md (the tagged format); MariaDB: sql/log_event.h
// (Gtid_log_event, Gtid_list_log_event).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "connectors/mysql/binlog_event.h"

namespace cdc::mysql {

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  // Lower-case, dashed, as MySQL prints server UUIDs.
  std::string to_string() const;
  friend bool operator==(const Uuid&, const Uuid&) = default;
};

// GTID_LOG_EVENT (33), ANONYMOUS_GTID_LOG_EVENT (34), GTID_TAGGED_LOG_EVENT (42).
// 33/34 are fixed-offset: flags(1) sid(16) gno(8); since 5.7.4 lt_type(1, =2)
// last_committed(8) sequence_number(8); since 8.0.1 immediate_commit_timestamp(7, top
// bit = original follows) [original_commit_timestamp(7)] transaction_length(packed)
// immediate_server_version(4, top bit = original follows) [original_server_version(4)].
// 42 uses the MySQL serialization format: version(1) payload_size(varlen)
// last_non_ignorable_field_id(varlen) then (field_id, value) pairs: 0 flags, 1 sid
// (16 varlen bytes), 2 gno (signed), 3 tag (string), 4 last_committed, 5
// sequence_number, 6 immediate_commit_timestamp, 7 original_commit_timestamp, 8
// transaction_length, 9 immediate_server_version, 10 original_server_version,
// 11 commit_group_ticket.
struct GtidEvent {
  bool anonymous = false;
  uint8_t flags = 0;
  Uuid source_id;
  std::string tag;  // empty unless the GTID is tagged
  int64_t gno = 0;
  int64_t last_committed = 0;
  int64_t sequence_number = 0;
  uint64_t immediate_commit_timestamp = 0;  // microseconds since the epoch, 0 if absent
  uint64_t original_commit_timestamp = 0;
  uint64_t transaction_length = 0;
  uint32_t immediate_server_version = 0;
  uint32_t original_server_version = 0;

  // "uuid:gno" or "uuid:tag:gno"; "ANONYMOUS" for anonymous transactions.
  std::string to_string() const;
};

// One source's executed transactions: half-open [start, end) intervals of gno.
struct GtidSetEntry {
  Uuid source_id;
  std::string tag;
  struct Interval {
    int64_t start = 0;
    int64_t end = 0;
  };
  std::vector<Interval> intervals;
};

// PREVIOUS_GTIDS_LOG_EVENT (35): header(8; in the tagged format the top byte is 1 and
// the sid count sits in bits 8..55), then per sid: uuid(16) [tag: varlen length +
// bytes] interval_count(8) intervals(start 8, end 8).
struct PreviousGtidsEvent {
  std::vector<GtidSetEntry> sets;
  // MySQL's text form: "uuid:1-13,uuid2:5" and "uuid:1-13:tag:1-2" for tags.
  std::string to_string() const;
};

// A MariaDB GTID: domain-server-sequence.
struct MariadbGtid {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t sequence = 0;
  std::string to_string() const;  // "0-1-42"
  friend bool operator==(const MariadbGtid&, const MariadbGtid&) = default;
};

// GTID_EVENT (162, MariaDB): starts an event group. sequence(8) domain(4) flags(1)
// [commit_id(8) when flags has FL_GROUP_COMMIT_ID] [format_id(4) gtrid_length(1)
// bqual_length(1) gtrid bqual when flags has FL_PREPARED_XA or FL_COMPLETED_XA]; the
// server id is the header's. MariaDB writes no XA START query: this event says it
// (FL_PREPARED_XA: the group XA PREPARE wrote; FL_COMPLETED_XA: XA COMMIT / ROLLBACK).
struct MariadbGtidEvent {
  static constexpr uint8_t kStandalone = 0x01;  // no COMMIT/XID ends the group (DDL)
  static constexpr uint8_t kGroupCommitId = 0x02;
  static constexpr uint8_t kTransactional = 0x04;
  static constexpr uint8_t kPreparedXa = 0x40;
  static constexpr uint8_t kCompletedXa = 0x80;
  MariadbGtid gtid;
  uint8_t flags = 0;
  uint64_t commit_id = 0;
  // The XA transaction's xid in XaPrepareEvent::xid() form; empty unless an XA flag is set.
  std::string xa_xid;
  bool standalone() const { return (flags & kStandalone) != 0; }
  bool prepared_xa() const { return (flags & kPreparedXa) != 0; }
};

// GTID_LIST_EVENT (163, MariaDB): the binlog state at the start of a file.
// count(4; low 28 bits count, high 4 bits flags) then count x (domain(4) server(4)
// sequence(8)).
struct MariadbGtidListEvent {
  uint32_t flags = 0;
  std::vector<MariadbGtid> gtids;
};

GtidEvent decode_gtid(const RawEvent& raw);         // 33 and 34
GtidEvent decode_tagged_gtid(const RawEvent& raw);  // 42
PreviousGtidsEvent decode_previous_gtids(const RawEvent& raw);
MariadbGtidEvent decode_mariadb_gtid(const RawEvent& raw);
MariadbGtidListEvent decode_mariadb_gtid_list(const RawEvent& raw);

}  // namespace cdc::mysql
