// The xids of the transactions this process decoded lately, by the end LSN of their
// commit record. PostgreSQL hands a committed transaction to logical decoding as soon as
// its commit record is flushed, a moment before other sessions' snapshots see it; a read
// of the source made right after (PgRowFetcher) must first wait until they do, or it reads
// the rows as they were before the transaction (and a row whose key it changed as gone);
// a re-snapshot chunk read after its low watermark must be read again when its snapshot
// missed one logged before the watermark (any_committed_before).
// Shared by the decoder, the fetcher and the pipeline, which run on different threads.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <utility>

#include "core/position.h"

namespace cdc::pg {

class DecodedTransactions {
 public:
  // The one of this process.
  static DecodedTransactions& instance();

  // Keeps the latest kKept; older ones are forgotten.
  void add(PgLsn commit_end, uint32_t xid);
  std::optional<uint32_t> xid(PgLsn commit_end) const;
  // Whether one of `xids` (64-bit, as pg_snapshot_xip gives them; compared by their low
  // 32 bits, which the stream carries) was decoded with a commit ending before `end`.
  // A transaction older than the kKept latest is no longer known: this is for xids
  // running a moment ago, whose commits, if any, are among the latest.
  bool any_committed_before(PgLsn end, std::span<const uint64_t> xids) const;

  static constexpr size_t kKept = 65536;

 private:
  mutable std::mutex mutex_;
  std::deque<std::pair<uint64_t, uint32_t>> recent_;  // in commit order
};

}  // namespace cdc::pg
