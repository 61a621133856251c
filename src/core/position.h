// Source positions as strong types. A Position is totally ordered within one source and
// prints itself in a form that is stable across restarts, so event keys derived from it
// are stable too.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cdc {

// A PostgreSQL WAL location, printed as PostgreSQL does ("16/B374D848").
struct PgLsn {
  uint64_t value = 0;

  static std::optional<PgLsn> parse(std::string_view text);
  std::string to_string() const;
  friend auto operator<=>(PgLsn, PgLsn) = default;
};

// Where a PostgreSQL change sits: the end LSN of its transaction's commit record (what
// the slot's confirmed_flush_lsn moves to once the transaction is delivered) and the
// change's index inside that transaction.
struct PgPosition {
  PgLsn commit_end;
  uint32_t index = 0;
  friend auto operator<=>(const PgPosition&, const PgPosition&) = default;
};

// Where a MySQL/MariaDB change sits: the binlog file and the offset of the event that
// ends its transaction, the transaction's GTID when the server has GTIDs ("0-1-42" or
// "uuid:42"), and the change's index inside the transaction.
struct BinlogPosition {
  std::string file;
  uint64_t offset = 0;
  std::string gtid;
  uint32_t index = 0;

  // Orders by the file's numeric suffix, then offset, then index: the order the server
  // wrote them. The GTID does not take part.
  friend std::strong_ordering operator<=>(const BinlogPosition&, const BinlogPosition&);
  friend bool operator==(const BinlogPosition& a, const BinlogPosition& b) {
    return (a <=> b) == std::strong_ordering::equal;
  }
};

// A change's position in whichever source it came from.
using Position = std::variant<PgPosition, BinlogPosition>;

// "pg:16/B374D848:3" or "mysql:mysql-bin.000007:1234:3". Stable: same change, same text.
std::string to_string(const Position& position);

// What to_string() wrote, read back; nullopt for any other text. (A binlog file name may
// hold colons: the offset and the index are the last two fields.)
std::optional<Position> parse_position(std::string_view text);

// to_string() in two parts: the text up to the change's index ("pg:16/B374D848"), the
// same for every change of one transaction, and the index. to_string(p) is
// position_prefix(p) + ":" + the index.
std::string position_prefix(const Position& position);
uint32_t position_index(const Position& position);
// Whether the two positions have the same prefix.
bool same_prefix(const Position& a, const Position& b);

}  // namespace cdc
