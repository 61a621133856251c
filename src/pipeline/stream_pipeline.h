// The daemon's main loop: changes from a source, through the mapping, into the sink, and
// acknowledgements back to the source once the sink's watermark passes a transaction.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/change_source.h"
#include "core/errors.h"
#include "core/instance_lock.h"
#include "core/row_fetcher.h"
#include "mapping/mapper.h"
#include "pipeline/changed_filter.h"
#include "pipeline/commit_tracker.h"
#include "pipeline/lock_lease.h"
#include "pipeline/mapping_reload.h"
#include "pipeline/pipeline_status.h"
#include "pipeline/resnapshot.h"
#include "pipeline/transaction_deletes.h"
#include "sink/sink.h"

namespace cdc::pipeline {

struct PipelineOptions {
  // On stop: how long to wait for in-flight calls before giving up on them (their
  // transactions stay unacknowledged and are re-read on the next start).
  std::chrono::milliseconds shutdown_timeout{30000};
  // After the source connection is lost: waits between attempts to reconnect, with
  // exponential growth and jitter.
  std::chrono::milliseconds reconnect_initial{500};
  std::chrono::milliseconds reconnect_max{30000};
  // The instance lock as a lease (lock_lease.h): how often the holder confirms it, how
  // long a confirmation lets it send, and how long a new holder waits before sending.
  LeaseOptions lease;
};

// Runs on the calling thread. Delivery order: deliver -> (sink persists dead letters)
// -> acknowledge the source, never the other way round.
class StreamPipeline {
 public:
  // `lock`, when given, is taken before the source starts (waiting as a standby while
  // another instance holds it) and held as a lease while streaming (lock_lease.h): the
  // sink sends only while the lease runs, from takeover_delay after taking it. Losing it
  // stops streaming until it is taken again; with calls unsettled then, the sink fails
  // (they are left to the new holder) and run() throws SourceError.
  StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper, sink::Sink& sink,
                 PipelineOptions options, InstanceLock* lock = nullptr);
  // Not copied or moved: output_ points at call_memory_.
  StreamPipeline(const StreamPipeline&) = delete;
  StreamPipeline& operator=(const StreamPipeline&) = delete;

  // Takes the instance lock, starts the source and streams until `stop` becomes true,
  // then drains and returns. When the source
  // connection is lost (cdc::SourceDisconnected) it delivers what was read, then
  // reconnects with backoff until it succeeds or `stop`. Throws cdc::AuthError when
  // Retainly refuses the credentials, cdc::SourceError / ProtocolError from the source,
  // cdc::SinkError when the sink fails otherwise. No position is acknowledged past a
  // call that was not delivered or dead-lettered. `stop` also ends a wait for room in a
  // full sink; the drain then gives in-flight calls shutdown_timeout.
  void run(const std::atomic<bool>& stop);

  // A copy of what the pipeline last published (about four times a second, and when
  // run() returns). Thread-safe.
  PipelineStatus status() const;

  // Runs once, after the instance lock is taken and before the source first starts (to
  // request the initial snapshot, which a standby must not do too); set before run().
  // When it throws, run() throws; when `stop` is set after it, run() returns without
  // streaming.
  void set_before_first_start(std::function<void()> hook) { before_first_start_ = std::move(hook); }

  // Serves snapshot and re-snapshot requests while streaming, and moves their progress
  // with the acknowledgements; set before run(). Not owned.
  void set_resnapshot(Resnapshot* resnapshot) { resnapshot_ = resnapshot; }

  // SIGHUP: whenever `requests` differs from the value last seen, `reload` is asked for a
  // new set of mappings (mapping_reload.h). A switch delivers and acknowledges what was
  // read, stops the source, gives it the new tables and starts it again, so the new set
  // applies from the next transaction on; a failure leaves everything as it is and shows
  // in status() (and so in /metrics and /readyz). Set before run(); not owned.
  void set_reload(const std::atomic<uint64_t>* requests, std::function<ReloadOutcome()> reload) {
    reload_requests_ = requests;
    reload_ = std::move(reload);
  }

  // Send only what changed (changed_filter.h): calls pass through `filter` on their way
  // to the sink, and offsets move only as far as the store it writes is committed. Set
  // before run(); not owned. Without one, every mapped field is sent.
  void set_changed_filter(ChangedFilter* filter) {
    filter_ = filter;
    // Its store records how far the stream's transactions are in it, and is checked at
    // each start against where the source resumes (ChangedFilter::check_resume).
    if (filter != nullptr) filter->set_commit_tracker(&commits_);
    known_customers_.filter = filter;
    output_.known_customers = filter != nullptr ? &known_customers_ : nullptr;
  }

  // Reads again the rows of updates that left out values the mapping needs
  // (Mapper::needs_whole_row: PostgreSQL's unchanged TOAST). Such an update is held with
  // the rest of its transaction, up to kMaxHeldChanges changes, then their rows are read
  // in one batch per table and the held changes mapped in their order; acknowledgements
  // never pass a held change. Set before run(); not owned. Without one, changes are mapped
  // as sent.
  void set_row_fetcher(RowFetcher* fetcher) { fetcher_ = fetcher; }

  // At most this many changes wait for a row fetch at once; a longer transaction is read
  // again in batches of this size.
  static constexpr size_t kMaxHeldChanges = 1000;

 private:
  void handle(SourceItem& item);
  // Stops streaming (delivering and acknowledging what was read), then starts again.
  void restart(const std::atomic<bool>& stop, const std::string& why);
  // Stops the source and records where it stopped in the last-sent store.
  void stop_source();
  // Delivers and acknowledges what was read, then stops the source.
  void stop_streaming(const std::atomic<bool>& stop);
  // Asks reload_ for a new set of mappings and switches to it (see set_reload).
  void reload_mappings(const std::atomic<bool>& stop);
  // Takes the lock (as a standby until it is free) and starts the source, retrying with
  // backoff while the source cannot be reached. False if `stop` came first.
  bool start_streaming(const std::atomic<bool>& stop);
  // False when the instance lock is lost (lock_lease.h); a lease that only lapsed pauses
  // sending and counts as held.
  bool still_holds_lock();
  // Waits until every submitted call is settled, the sink fails, or `stop`.
  void drain(const std::atomic<bool>& stop);
  void handle_change(const RowChange& change);
  // Holds a change (and so the rest of its transaction) for a row fetch; releases the
  // held ones when the bound is reached.
  void hold(RowChange&& change, bool fetch);
  // Fetches the rows the held changes need, then maps and submits them in order.
  void release_held();
  void fetch_held();
  void count_reselected(const RowChange& change, const RowFetchCounts& counts);
  // Maps `change` and queues its calls for the sink.
  // `whole`: Mapper::map's, for a change a re-snapshot chunk drops its row for.
  void map_and_submit(const RowChange& change, bool whole = false);
  // Passes the calls made for `change`, output_.calls from `first` on, through the
  // filter, numbers those left and keeps them there for hand_over() (at once when many
  // wait).
  void queue_calls(const RowChange& change, size_t first);
  // Hands the queued calls to the sink, all at once. Throws the sink's failure, or
  // Interrupted when `stop` came while the sink had no room (the calls it did not take
  // are then dropped, their transactions never acknowledged).
  void hand_over();
  // Now and then, the attribute lists of calls the sink is done with go to output_'s
  // memory, for the mapping to build the next calls in (retainly::CallMemory).
  void reuse_spent_memory();
  // A TRUNCATE: deletes what the table sent (truncate_deletes.h).
  void mirror_truncate(const RowChange& change);
  void poll_resnapshot();
  // Acknowledges what the sink settled (and, with a filter, the store holds); `final`
  // commits the store at once instead of when its interval says.
  void acknowledge_done(bool final = false);
  // The filter's view of the change's table, looked up once per table.
  const ChangedFilter::Table& filter_table(const RowChange& change);
  void count_skipped(const RowChange& change, const ChangedFilter::Skipped& skipped);
  // The change's table's skip counters, looked up once per table rather than per change.
  SkipCounts& skip_counts(const RowChange& change);
  // What the mapping left out by the change's old image (output_.skips).
  void count_old_image_skips(const RowChange& change);
  // Puts back into output_ what the old image calls unchanged but the filter knows
  // Retainly lacks (ChangedFilter::known_different).
  void restore_known_different(const RowChange& change, size_t first);
  void throw_if_sink_failed() const;
  void count_change(const RowChange& change);
  void count_calls(const RowChange& change, uint64_t calls);
  void publish(bool force);

  ChangeSource& source_;
  InstanceLock* lock_;
  const std::atomic<bool>* stop_ = nullptr;  // run()'s, for a submit waiting on the sink
  Resnapshot* resnapshot_ = nullptr;
  std::function<void()> before_first_start_;
  std::unique_ptr<LockLease> lease_;  // when there is a lock
  bool ever_streamed_ = false;
  bool lease_lapsed_ = false;  // logged once per lapse
  const mapping::Mapper* mapper_;
  std::shared_ptr<const mapping::Mapper> reloaded_mapper_;  // after a reload: owns mapper_
  const std::atomic<uint64_t>* reload_requests_ = nullptr;
  uint64_t reloads_seen_ = 0;
  std::function<ReloadOutcome()> reload_;
  sink::Sink& sink_;
  PipelineOptions options_;
  CommitTracker commits_;
  // How often an idle stream tells the last-sent store where the source stands.
  static constexpr std::chrono::seconds kPositionNoteInterval{1};
  std::chrono::steady_clock::time_point last_position_note_;
  TransactionDeletes transaction_deletes_;
  // Reused for every change. Its calls are the queued ones (queue_calls()), those of the
  // changes since the last hand_over().
  mapping::MappingOutput output_;
  // output_'s attribute lists, and what reuse_spent_memory() takes from the sink for it
  // (the changes mapped since it last asked).
  retainly::CallMemory call_memory_;
  std::vector<std::vector<retainly::Attribute>> spent_;
  unsigned changes_since_reuse_ = 0;
  uint64_t last_sequence_ = 0;
  // Owned by the pipeline thread; published_ is the copy other threads read.
  PipelineStatus status_;
  // The table counted last; held so that its address is not reused by another table.
  std::shared_ptr<const TableSchema> counted_schema_;
  std::array<uint64_t, kOperationCount>* counted_ = nullptr;
  // The same for calls per table: a change and the calls it made may come from a
  // re-snapshot chunk, which is not counted as a change read.
  std::shared_ptr<const TableSchema> calls_counted_schema_;
  uint64_t* calls_counted_ = nullptr;
  ChangedFilter* filter_ = nullptr;
  FilterKnownCustomers known_customers_;  // for the table of the change being mapped
  RowFetcher* fetcher_ = nullptr;
  struct HeldChange {
    RowChange change;
    bool fetch = false;  // needs its row read again (cleared once asked for)
  };
  std::vector<HeldChange> held_;         // in source order, all of one transaction
  std::vector<RowChange*> fetch_group_;  // reused by fetch_held
  std::shared_ptr<const TableSchema> skip_counted_schema_;  // the table skip_counted_ is for
  SkipCounts* skip_counted_ = nullptr;
  std::shared_ptr<const TableSchema> filtered_schema_;  // the table filter_table_ is for
  ChangedFilter::Table filter_table_;
  std::vector<uint64_t> dead_lettered_;  // reused by acknowledge_done
  std::chrono::steady_clock::time_point last_publish_{};
  mutable std::mutex published_mutex_;
  PipelineStatus published_;
};

}  // namespace cdc::pipeline
