// The state machine between the pgoutput wire and the pipeline: decoded messages in,
// cdc::RowChange and cdc::TransactionEnd out, in commit order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/postgres/pgoutput_decoder.h"
#include "core/row_change.h"
#include "core/table_schema.h"
#include "core/transaction_buffer.h"

namespace cdc::pg {

// Turns pgoutput messages into SourceItems.
//
// - A change's position is the end LSN of its transaction's commit record, known only at
//   Commit; so a transaction's changes are held until then, followed by a TransactionEnd
//   at {end_lsn, change count} (also for a transaction with no changes, so the slot can
//   move past it). A non-streamed transaction arrives only after it committed (the
//   walsender decodes it at its commit record), but its Commit message, with the end LSN
//   every position needs, comes last; a streamed one may still abort. Both are held in a
//   TransactionBuffer from the injected factory, which keeps them within the memory
//   budget and spills the rest; they come out one item at a time from next_item(), so
//   a transaction of any size is never in memory whole.
// - Streamed transactions (protocol 2): changes between StreamStart and StreamStop are
//   held per top-level xid with the subtransaction xid they carry. Stream Abort drops
//   the whole transaction (subxid == xid) or only that subtransaction's changes; Stream
//   Commit hands them out like a Commit.
// - Values: 'u' (unchanged TOAST) is Unchanged, never NULL; a 'K' old tuple gives the key
//   columns and Unchanged for the rest (the server sends those as nulls, but they are
//   unknown); an Update without old tuple has an empty `before`; a Delete an empty
//   `after`; a Truncate is one RowChange per table with both rows empty. Binary values
//   ('b') are never requested and are an error. Message and Origin are ignored.
// - Relations are cached by OID; a Relation whose shape differs from the cached one makes
//   a new TableSchema with a higher version (process-wide counter), so RowChanges already
//   handed out keep the schema they were read with.
//
// Not thread-safe; one per replication stream. Every protocol violation (bytes that do
// not decode, a change for an unknown relation, a Commit without Begin, a value that does
// not parse) throws cdc::ProtocolError; the assembler is not usable after that.
class ChangeAssembler {
 public:
  // `protocol_version`: the pgoutput proto_version asked for, 1 or 2 (a stream of protocol
  // 1 also decodes as 2, since 2 only adds messages). Throws std::invalid_argument else.
  // `buffers` makes the holder of one open transaction; by default a buffer that keeps
  // everything in memory (tests, fuzzers).
  using BufferFactory = std::function<std::unique_ptr<TransactionBuffer>()>;
  explicit ChangeAssembler(int protocol_version, BufferFactory buffers = nullptr);

  // Told the xid of every transaction that commits, with the end LSN of its commit record
  // (the live reader keeps them for PgRowFetcher: DecodedTransactions).
  void on_commit(std::function<void(PgLsn, uint32_t)> observer) {
    commit_observer_ = std::move(observer);
  }

  // Decodes one pgoutput message (an XLogData payload). A Commit or Stream Commit makes
  // its transaction ready: take its items from next_item() before feeding more.
  // Throws std::logic_error when items of a committed transaction are still waiting.
  void feed(std::span<const std::byte> pgoutput_message);
  // The next item of the committed transaction (its changes, then its TransactionEnd),
  // or nullopt when none is waiting. May read a spill file (and throw its errors).
  std::optional<SourceItem> next_item();

  // feed() and every item it made ready appended to `out` (not cleared). Holds the
  // whole transaction in `out`: for tests and fuzzers.
  void feed(std::span<const std::byte> pgoutput_message, std::vector<SourceItem>& out);

  // True between a Begin and its Commit, inside a StreamStart..StreamStop block, and while
  // any streamed transaction is neither committed nor aborted: a position the server
  // reports now may still be followed by changes that commit before it.
  bool in_transaction() const;

  // The current schema of relation `oid`, or null if no Relation message announced it.
  std::shared_ptr<const TableSchema> relation(uint32_t oid) const;

 private:
  struct CachedRelation {
    std::shared_ptr<const TableSchema> schema;
    std::vector<uint32_t> type_oids;   // as the Relation message gave them
    std::vector<uint32_t> parse_oids;  // the type each column's text is read as
  };
  struct CustomType {
    std::string name;
    bool is_array = false;
  };
  // A transaction's changes before its commit, tagged with their subtransaction xid.
  struct Pending {
    std::unique_ptr<TransactionBuffer> changes;
    std::string watermark;  // a transactional kWatermarkPrefix message's content
  };
  // A committed transaction whose items are being taken.
  struct Ready {
    Pending pending;
    PgLsn end_lsn;
    int64_t commit_time_micros = 0;
    uint32_t handed_out = 0;
  };

  void on(const pgoutput::Begin& m);
  void on(const pgoutput::Commit& m);
  void on(const pgoutput::Origin& m);
  void on(const pgoutput::Relation& m);
  void on(const pgoutput::Type& m);
  void on(const pgoutput::Insert& m);
  void on(const pgoutput::Update& m);
  void on(const pgoutput::Delete& m);
  void on(const pgoutput::Truncate& m);
  void on(const pgoutput::Message& m);
  void on(const pgoutput::StreamStart& m);
  void on(const pgoutput::StreamStop& m);
  void on(const pgoutput::StreamCommit& m);
  void on(const pgoutput::StreamAbort& m);

  const CachedRelation& relation_for(uint32_t oid, const char* message) const;
  Row read_row(const CachedRelation& relation, const TupleData& tuple, bool key_only,
               const char* message) const;
  void hold(RowChange change, uint32_t xid, const char* message);
  Pending new_pending() const;

  int protocol_version_;
  BufferFactory buffers_;
  std::unordered_map<uint32_t, CachedRelation> relations_;
  std::unordered_map<uint32_t, CustomType> custom_types_;

  bool in_begin_ = false;
  int64_t begin_commit_time_ = 0;
  uint32_t begin_xid_ = 0;
  std::function<void(PgLsn, uint32_t)> commit_observer_;
  Pending pending_;

  std::optional<uint32_t> stream_xid_;  // set between StreamStart and StreamStop
  std::unordered_map<uint32_t, Pending> streams_;
  std::optional<Ready> ready_;
};

}  // namespace cdc::pg
