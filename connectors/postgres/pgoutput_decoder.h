// Decodes one pgoutput message (the payload of an XLogData) into a typed struct. Layouts:
// PostgreSQL docs, "Logical Replication Message Formats", protocol versions 1 and 2.
// Pure: strings and tuple values are views into the input bytes, valid as long as they
// are; nothing is interpreted beyond the layout (the ChangeAssembler does that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "connectors/postgres/pg_wire_reader.h"
#include "core/position.h"

namespace cdc::pg {

// One column of a pgoutput TupleData.
struct TupleColumn {
  enum class Kind : char {
    kNull = 'n',
    kUnchanged = 'u',  // an unchanged TOASTed value the server did not send
    kText = 't',
    kBinary = 'b',
  };
  Kind kind = Kind::kNull;
  std::string_view data;  // kText / kBinary only: a view into the message
};

// A TupleData whose every column was checked when the message was decoded, so iterating
// it cannot fail and allocates nothing. A view into the message.
class TupleData {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = TupleColumn;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = TupleColumn;

    Iterator() = default;
    TupleColumn operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.left_ == b.left_; }

   private:
    friend class TupleData;
    Iterator(const std::byte* p, size_t left) : p_(p), left_(left) {}
    const std::byte* p_ = nullptr;
    size_t left_ = 0;  // columns not yet passed
  };

  TupleData() = default;

  // Reads and checks Int16 column count, then per column Byte1 kind ('n', 'u', 't', 'b')
  // and, for 't' and 'b', Int32 length and the bytes.
  static TupleData read(WireReader& in, const char* field);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Iterator begin() const { return {columns_.data(), count_}; }
  Iterator end() const { return {}; }

 private:
  WireBytes columns_;
  size_t count_ = 0;
};

namespace pgoutput {

// `xid` fields: the (sub)transaction of a message inside a streamed transaction (between
// StreamStart and StreamStop, protocol 2); 0 (InvalidTransactionId) outside a stream.

struct Begin {
  PgLsn final_lsn;  // LSN of the commit record
  int64_t commit_time_unix_micros = 0;
  uint32_t xid = 0;
};

struct Commit {
  uint8_t flags = 0;
  PgLsn commit_lsn;
  PgLsn end_lsn;  // end of the commit record: where the slot may confirm to
  int64_t commit_time_unix_micros = 0;
};

struct Origin {
  PgLsn commit_lsn;  // on the origin server
  std::string_view name;
};

struct RelationColumn {
  static constexpr uint8_t kKeyFlag = 1;  // part of the replica identity
  uint8_t flags = 0;
  std::string_view name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  bool is_key() const { return (flags & kKeyFlag) != 0; }
};

struct Relation {
  uint32_t xid = 0;
  uint32_t oid = 0;
  std::string_view schema;  // empty for pg_catalog
  std::string_view name;
  // relreplident: 'd' default (primary key), 'n' nothing, 'f' full, 'i' index.
  uint8_t replica_identity = 0;
  std::vector<RelationColumn> columns;  // generated columns are not sent
};

// Announces a non-built-in data type before a Relation that uses it.
struct Type {
  uint32_t xid = 0;
  uint32_t oid = 0;
  std::string_view schema;  // empty for pg_catalog
  std::string_view name;
};

// Which old image an Update or Delete carries.
enum class OldTuple : char {
  kNone = 0,
  kKey = 'K',   // replica identity columns only; the others are sent as nulls
  kFull = 'O',  // the whole old row (REPLICA IDENTITY FULL)
};

struct Insert {
  uint32_t xid = 0;
  uint32_t relation_oid = 0;
  TupleData new_tuple;
};

struct Update {
  uint32_t xid = 0;
  uint32_t relation_oid = 0;
  OldTuple old_kind = OldTuple::kNone;
  TupleData old_tuple;  // empty when old_kind is kNone
  TupleData new_tuple;
};

struct Delete {
  uint32_t xid = 0;
  uint32_t relation_oid = 0;
  OldTuple old_kind = OldTuple::kKey;
  TupleData old_tuple;
};

struct Truncate {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;
  uint32_t xid = 0;
  uint8_t options = 0;
  std::vector<uint32_t> relation_oids;
};

// A logical decoding message (pg_logical_emit_message).
struct Message {
  uint32_t xid = 0;
  bool transactional = false;
  PgLsn lsn;
  std::string_view prefix;
  std::string_view content;
};

struct StreamStart {
  uint32_t xid = 0;  // the top-level transaction
  bool first_segment = false;
};

struct StreamStop {};

struct StreamCommit {
  uint32_t xid = 0;
  uint8_t flags = 0;
  PgLsn commit_lsn;
  PgLsn end_lsn;
  int64_t commit_time_unix_micros = 0;
};

struct StreamAbort {
  uint32_t xid = 0;     // the top-level transaction
  uint32_t subxid = 0;  // == xid when the whole transaction aborted
  // Sent only when streaming = parallel was requested (protocol 4); we never ask.
  std::optional<PgLsn> abort_lsn;
  std::optional<int64_t> abort_time_unix_micros;
};

}  // namespace pgoutput

using PgOutputMessage =
    std::variant<pgoutput::Begin, pgoutput::Commit, pgoutput::Origin, pgoutput::Relation,
                 pgoutput::Type, pgoutput::Insert, pgoutput::Update, pgoutput::Delete,
                 pgoutput::Truncate, pgoutput::Message, pgoutput::StreamStart, pgoutput::StreamStop,
                 pgoutput::StreamCommit, pgoutput::StreamAbort>;

// Decodes one pgoutput message of `protocol_version` (1 or 2; others throw
// std::invalid_argument). `in_stream`: the message sits between StreamStart and
// StreamStop, so Relation, Type, Insert, Update, Delete, Truncate and Message carry a
// leading xid. Throws cdc::ProtocolError naming the message, the field and the offset
// for a short or over-long message, an unknown message type, a stream message under
// protocol 1, or a malformed tuple. The result holds views into `message`.
PgOutputMessage decode_pgoutput(std::span<const std::byte> message, int protocol_version,
                                bool in_stream);

}  // namespace cdc::pg
