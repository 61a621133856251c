// Writes the last-sent store on a thread of its own: LMDB's page writes and fsyncs cost
// the pipeline thread, the connector's bottleneck, about a microsecond a call (measured),
// so batches are handed over and applied here while the pipeline maps the next changes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "state/last_sent_store.h"

namespace cdc::pipeline {

class StoreWriter {
 public:
  // `store` must outlive the writer.
  explicit StoreWriter(state::LastSentStore& store);
  // Writes what is queued, then stops.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Queues a batch; `number` is its place in the order of batches (1, 2, 3...). Blocks
  // while a few batches wait already (backpressure). Rethrows a failure of an earlier
  // write.
  void write(state::LastSentBatch batch, uint64_t number);
  // The last batch whose commit readers of the store now see.
  uint64_t visible() const;
  // The last batch whose commit survives a system crash (KvStore::sync).
  uint64_t durable() const;
  // Waits until every queued batch is committed and durable. Rethrows a failure.
  void wait_idle();

 private:
  void run();
  void rethrow_failure();

  state::LastSentStore& store_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<state::LastSentBatch, uint64_t>> queue_;
  bool busy_ = false;  // a batch is being written
  bool stopping_ = false;
  uint64_t visible_ = 0;
  uint64_t durable_ = 0;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace cdc::pipeline
