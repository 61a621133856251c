// Replication positions as GTID sets: MySQL's executed-GTID set and MariaDB's per-domain
// GTID state. Pure values: they parse and print the servers' text forms, compare, and
// (MySQL) encode the binary set COM_BINLOG_DUMP_GTID carries. Not thread-safe; copy freely.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/mysql/gtid_events.h"

namespace cdc::mysql {

// MySQL's GTID set (gtid_executed): for each (source uuid, tag) the gnos seen, kept as
// sorted, disjoint, non-adjacent half-open [start, end) intervals. Valid gnos are
// 1 .. 2^63-2 (sql/rpl_gtid.h: GNO_END is INT64_MAX); tags match [a-z_][a-z0-9_]{0,31}
// after lower-casing.
class MysqlGtidSet {
 public:
  // MySQL's text form: "uuid:1-5:7,uuid2:3", tagged "uuid:1-5:tag_a:1-3" (a tag applies
  // to the ranges after it). Uuids are the dashed 36-character form, tags any case;
  // whitespace may surround commas (MySQL prints ",\n"). "" is the empty set. Returns
  // nullopt for anything else, including a uuid or tag without ranges and "5-3".
  static std::optional<MysqlGtidSet> parse(std::string_view text);

  // Canonical form, which parse() reads back: uuids ascending, each with its untagged
  // ranges first then its tags ascending; "a-b" inclusive, a single gno alone.
  std::string to_string() const;

  // Throws ProtocolError for a gno outside 1 .. 2^63-2 or an invalid tag (both come
  // from the binlog, so they are protocol violations).
  void add(const Uuid& source, std::string_view tag, int64_t gno);
  // Unions in every entry; throws ProtocolError for an empty or reversed interval, a
  // gno out of range or an invalid tag.
  void add(const PreviousGtidsEvent& event);

  bool contains(const Uuid& source, std::string_view tag, int64_t gno) const;
  bool empty() const { return sets_.empty(); }

  // Gtid_set::encode (sql/rpl_gtid_set.cc), the layout Previous_gtids_log_event carries
  // and decode_previous_gtids reads: sid count(8 LE), then per (uuid, tag) in canonical
  // order: uuid(16) [tag] interval count(8) intervals(start 8, end 8, end exclusive).
  // Without tags the count word is the plain count; with any tag (MySQL 8.3+) it is
  // (1 << 56) | (count << 8) | 1 and every entry has a tag: a varlen length (one byte,
  // length << 1) and its bytes, length 0 when untagged. Servers before 8.3 reject that.
  std::string encode() const;

  friend bool operator==(const MysqlGtidSet&, const MysqlGtidSet&) = default;

 private:
  struct Interval {
    int64_t start = 0;
    int64_t end = 0;
    friend bool operator==(const Interval&, const Interval&) = default;
  };
  // Uuid bytes order the same way as their lower-case text; "" (untagged) sorts first.
  using Key = std::pair<std::array<uint8_t, 16>, std::string>;

  // Merges [start, end) into the key's intervals; the caller has validated both.
  void add_interval(const Key& key, int64_t start, int64_t end);

  std::map<Key, std::vector<Interval>> sets_;  // never holds an empty interval list
};

// MariaDB's replication position: the last GTID applied in each domain, as in
// @@gtid_slave_pos and the @slave_connect_state a replica sends (sql/rpl_gtid.cc).
class MariadbGtidState {
 public:
  // "0-1-42,1-2-5": domain and server id fit uint32, sequence uint64; whitespace may
  // surround commas; "" is the empty state. Returns nullopt for anything else, including
  // a domain given twice.
  static std::optional<MariadbGtidState> parse(std::string_view text);

  // Ascending by domain, comma separated, no spaces: "0-1-42,1-2-5".
  std::string to_string() const;

  void update(const MariadbGtid& gtid);  // replaces the gtid's domain entry
  // Replaces the whole state with the list's. The list may name a domain more than once
  // (one entry per server id); MariaDB writes the domain's latest GTID last, so the last
  // entry wins, as when the server reloads its own list.
  void reset(const MariadbGtidListEvent& event);

  std::optional<MariadbGtid> domain(uint32_t domain_id) const;
  bool empty() const { return domains_.empty(); }

  friend bool operator==(const MariadbGtidState&, const MariadbGtidState&) = default;

 private:
  std::map<uint32_t, MariadbGtid> domains_;
};

}  // namespace cdc::mysql
