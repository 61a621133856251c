// The changes of one source transaction that may not be handed out yet (PostgreSQL:
// until its Commit or Stream Commit; MySQL: a prepared XA transaction until its XA
// COMMIT). Kept in memory while the shared MemoryBudget allows, then appended to a
// SpillStore, the way PostgreSQL's apply worker spools streamed transactions to files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/memory_budget.h"
#include "core/row_change.h"
#include "core/spill_store.h"

namespace cdc {

// Changes come out of take() in the order they were appended, with the table they were
// appended with (after reopen(): an equal TableSchema read back from the store) and the
// commit time they had; positions are left to the caller. Memory held is a prefix of the
// transaction: once one change spilled, every later one goes to the store as well.
//
// Not thread-safe; one owner. Disk failures throw from append(), keep() and take() (see
// SpillStore); a damaged store throws ProtocolError from take().
class TransactionBuffer {
 public:
  // `budget` null: memory is not limited. `spill` empty: nothing spills (changes past the
  // budget stay in memory). Both set: changes that fit the budget stay in memory, the rest
  // spill. Only `spill`: everything goes to the store (prepared XA transactions, which
  // may wait for days and must survive a restart).
  TransactionBuffer(MemoryBudget* budget, SpillStoreFactory spill);
  // A store kept by an earlier process (keep()): its changes come out of take().
  explicit TransactionBuffer(std::unique_ptr<SpillStore> kept);
  ~TransactionBuffer();
  TransactionBuffer(const TransactionBuffer&) = delete;
  TransactionBuffer& operator=(const TransactionBuffer&) = delete;

  // REQUIRES: take() not called yet. `tag`: the subtransaction, for discard().
  void append(RowChange change, uint32_t tag = 0);
  // Drops the changes appended with `tag` (a rolled-back subtransaction).
  void discard(uint32_t tag);
  // Makes every change appended so far durable in the store, which then outlives this
  // object. REQUIRES: constructed with only `spill` (nothing held in memory).
  void keep();

  // The next change, or nullopt after the last. Memory goes back to the budget as
  // changes leave.
  std::optional<RowChange> take();

  // Changes appended (before discards); of them, how many went to the store.
  size_t appended() const { return appended_; }
  size_t spilled() const { return spilled_; }

 private:
  struct Held {
    RowChange change;
    uint32_t tag = 0;
    size_t bytes = 0;
  };
  uint32_t schema_index(const std::shared_ptr<const TableSchema>& table);
  void spill(const RowChange& change, uint32_t tag);

  MemoryBudget* budget_ = nullptr;
  SpillStoreFactory spill_factory_;
  std::deque<Held> memory_;
  size_t memory_bytes_ = 0;
  std::unique_ptr<SpillStore> store_;
  bool taking_ = false;
  bool reading_store_ = false;
  // Tables of spilled changes by the index their records carry.
  std::vector<std::shared_ptr<const TableSchema>> schemas_;
  size_t schemas_in_store_ = 0;
  std::unordered_set<uint32_t> discarded_;
  std::string record_;  // reused encoding buffer
  size_t appended_ = 0;
  size_t spilled_ = 0;
};

}  // namespace cdc
