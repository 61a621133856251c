// The interface every reader (PostgreSQL, MySQL) offers the pipeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/position.h"
#include "core/row_change.h"

namespace cdc {

// What a reader can tell about where it stands, for metrics and `status`.
struct SourceStatus {
  // The last position acknowledged to the source, as to_string(Position) writes it;
  // empty before the first.
  std::string acknowledged;
  // Bytes of source log between the acknowledged position and the server's newest one
  // (PostgreSQL: the walsender's WAL end); nullopt when the source cannot tell.
  std::optional<uint64_t> lag_bytes;
  // Bytes of source log the server keeps for us (PostgreSQL: from the slot's
  // restart_lsn to the current WAL position); nullopt when the source cannot tell.
  std::optional<uint64_t> retained_bytes;
  // How much more the server may write before it drops log we still need (PostgreSQL:
  // the slot's safe_wal_size under max_slot_wal_keep_size); nullopt when unlimited.
  std::optional<int64_t> safe_bytes;
};

// A stream of changes from one source database.
//
// Threading: start(), next(), acknowledge() and stop() are called from the pipeline's
// thread; implementations read from the database on a thread of their own and hand
// items over through a bounded buffer, so a slow consumer holds the reader back and
// memory stays flat.
//
// Failure: when the reader hits an error it cannot recover from, next() rethrows it
// (SourceError for an unreachable or misconfigured source, ProtocolError for bytes it
// cannot decode).
class ChangeSource {
 public:
  virtual ~ChangeSource() = default;

  // Connects and starts reading after the last acknowledged position.
  virtual void start() = 0;

  // The next item in source order, or nullptr when none arrived within `timeout`. The
  // item stays the source's, valid until the next call of next(): the caller reads it
  // there, moves from it, or hands it to recycle(). (Handed out in place: moving each
  // change out of the reader's batch was most of what the hand-over cost the pipeline's
  // thread, about 300 of 530 instructions per row.)
  virtual SourceItem* next(std::chrono::milliseconds timeout) = 0;

  // Everything up to and including `position` (a TransactionEnd's position) is durable
  // downstream; the source may forget it (PostgreSQL: the slot's confirmed_flush_lsn;
  // MySQL: the stored GTID set and file position). Never called with a position that
  // was not handed out, and never with a smaller one than before.
  virtual void acknowledge(const Position& position) = 0;

  // Hands back an item next() returned, once the pipeline is done with it, so that the
  // reader may reuse its rows' memory on its own thread instead of allocating anew (and
  // the pipeline's thread does not free what another thread allocated). Optional: the
  // default drops the item.
  virtual void recycle(SourceItem&& item) { (void)item; }

  // Stops reading and releases the connection. Idempotent.
  virtual void stop() = 0;

  // The tables to read from the next start() on (a mapping reload added or removed some);
  // called only while stopped. PostgreSQL makes its publication publish them at start().
  virtual void set_tables(std::vector<TableId> tables) = 0;

  // Where the reader stands; called from the pipeline's thread.
  virtual SourceStatus status() const { return {}; }

  // After start(): the position it resumed after, the last one acknowledged to the
  // source by this process or one before it (PostgreSQL: the slot's confirmed_flush_lsn;
  // MySQL: the transaction the stored position follows; either may have been moved by
  // another instance of a pair); nullopt when it began afresh (a slot it created, the end
  // of the binlog) or cannot tell. What the last-sent store checks itself against.
  virtual std::optional<Position> resumed_after() const { return std::nullopt; }
};

}  // namespace cdc
