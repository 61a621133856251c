#include "pipeline/backfill.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>

#include "core/errors.h"
#include "core/thread_name.h"
#include "mapping/compiled_mapping.h"
#include "ops/log.h"
#include "pipeline/backfill_checkpoint.h"
#include "pipeline/backfill_read_ahead.h"
#include "pipeline/flattened_fields.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

namespace {

void throw_if_failed(const sink::Sink& sink) {
  if (auto failure = sink.failure()) sink::throw_failure(*failure);
}

// Pages sent whose last call is above the sink's watermark, newest first: not all answered.
template <typename Pages>
size_t unanswered_pages(const Pages& pages, uint64_t watermark) {
  size_t count = 0;
  for (auto page = pages.rbegin(); page != pages.rend() && page->first > watermark; ++page) {
    ++count;
  }
  return count;
}

}  // namespace

Backfill::Backfill(const mapping::Mapper& mapper, sink::Sink& sink, TableReaderFactory open,
                   BackfillOptions options)
    : mapper_(mapper), sink_(sink), open_(std::move(open)), options_(std::move(options)) {
  if (options_.filter == nullptr && !options_.dry_run) {
    throw std::invalid_argument("a backfill keeps its checkpoints in the last-sent store");
  }
}

BackfillSummary Backfill::run(
    const std::vector<TableId>& tables, const std::atomic<bool>& stop,
    const std::function<void(const std::vector<const BackfillProgress*>&)>& report) {
  const auto started = std::chrono::steady_clock::now();
  const uint64_t dead_before = sink_.stats().calls_dead_lettered;
  last_sequence_ = sink_.last_submitted();

  std::vector<std::unique_ptr<BackfillProgress>> progress;
  std::vector<const BackfillProgress*> view;
  for (const auto& table : tables) {
    progress.push_back(std::make_unique<BackfillProgress>());
    progress.back()->table = table.qualified();
    view.push_back(progress.back().get());
  }

  // Workers take the next table until none is left; the first error halts the others.
  std::atomic<size_t> next{0};
  std::atomic<bool> halt{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  std::vector<std::thread> workers;
  const size_t count = std::min(std::max<size_t>(options_.connections, 1), tables.size());
  // Workers still running; the last one to finish wakes this thread at once, so the
  // backfill ends when its work does, not at the next look.
  std::mutex running_mutex;
  std::condition_variable finished;
  size_t running = count;
  for (size_t w = 0; w < count; ++w) {
    workers.emplace_back([&] {
      name_this_thread("cdc-backfill");
      for (size_t i; !halt.load() && (i = next.fetch_add(1)) < tables.size();) {
        try {
          backfill_table(tables[i], *progress[i], halt);
        } catch (const Interrupted&) {
          // `halt` was set: by `stop`, a failed sink or another table's error, each of
          // which is reported below.
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!error) error = std::current_exception();
          halt.store(true);
        }
      }
      std::lock_guard lock(running_mutex);
      if (--running == 0) finished.notify_all();
    });
  }
  auto last_report = std::chrono::steady_clock::now();
  for (;;) {
    {
      // Wakes at least every 100 ms to pass on `stop` and a failed sink, and to report.
      std::unique_lock lock(running_mutex);
      if (finished.wait_for(lock, 100ms, [&] { return running == 0; })) break;
    }
    if (stop.load() || sink_.failure()) halt.store(true);
    if (std::chrono::steady_clock::now() - last_report >= 1s) {
      report(view);
      last_report = std::chrono::steady_clock::now();
    }
  }
  for (auto& worker : workers) worker.join();
  report(view);
  throw_if_failed(sink_);
  if (error) std::rethrow_exception(error);
  if (stop.load()) {
    // What Retainly answered is committed with its checkpoints before the backfill ends,
    // not at the store's next turn, so that `--resume` sends again only what was in
    // flight.
    if (!options_.dry_run) commit_settled(Commit::kDurable);
    throw Interrupted("backfill interrupted; `backfill --resume` continues it");
  }

  BackfillSummary summary;
  for (const auto& table : progress) summary.calls += table->calls.load();
  summary.calls_skipped = calls_skipped_.load();
  summary.fields_skipped = fields_skipped_.load();
  summary.mirrors = std::move(mirrors_);
  summary.rows = rows_read_.load();
  summary.rejections = rejections_.load();
  summary.dead_letters = sink_.stats().calls_dead_lettered - dead_before;
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return summary;
}

void Backfill::backfill_table(const TableId& table, BackfillProgress& progress,
                              const std::atomic<bool>& halt) {
  const std::string name = checkpoint_name(table);
  const auto legacy_file = legacy_checkpoint_path(options_.state_dir, table);
  std::optional<BackfillCheckpoint> checkpoint;
  if (options_.filter != nullptr) {
    std::lock_guard lock(submit_mutex_);
    if (options_.resume) {
      checkpoint = load_checkpoint(options_.filter->store(), table);
    } else if (!options_.dry_run && options_.filter->store().progress(name)) {
      // Starting over, from whatever is there (readable or not): a resume after a crash
      // before the first page must not skip ahead.
      options_.filter->save_progress(0, name, "");
      options_.filter->commit_now();
    }
  }
  if (options_.resume && !checkpoint) checkpoint = load_legacy_checkpoint(legacy_file);
  if (!options_.resume && !options_.dry_run) std::filesystem::remove(legacy_file);
  if (checkpoint && checkpoint->done) {
    log::info("backfill of {}: already done ({} rows); skipped", table.qualified(),
              checkpoint->rows);
    progress.rows = checkpoint->rows;
    progress.skipped = true;
    progress.finished = true;
    return;
  }
  auto reader = open_(table);
  progress.estimated_rows = reader->estimated_rows();
  BackfillCheckpoint done_so_far;
  if (checkpoint && checkpoint->last_key) {
    reader->resume_after(*checkpoint->last_key);
    done_so_far = *checkpoint;
    progress.rows = checkpoint->rows;
    log::info("backfill of {}: resuming after {} rows", table.qualified(), checkpoint->rows);
  }

  // Pages are read ahead on a thread of their own, and each is mapped while the ones
  // before it are delivered: `unsettled` holds, oldest first, each sent page's last call
  // and the checkpoint saved with it, until the store committed both.
  std::deque<std::pair<uint64_t, BackfillCheckpoint>> unsettled;
  auto checkpoints_committed = [&](uint64_t committed) {
    while (!unsettled.empty() && unsettled.front().first <= committed) {
      done_so_far = std::move(unsettled.front().second);
      unsettled.pop_front();
      progress.rows = done_so_far.rows;
    }
  };
  // --mirror: what the rows map to, and how many the mapping refused (their ids unknown).
  MirrorSeen seen;
  uint64_t refused_rows = 0;
  uint64_t rows_sent = done_so_far.rows;
  {
    // Mapped on the reading thread while the pages before are delivered; handed to the
    // sink once the window has room. The reading thread builds the calls in the memory of
    // those the sink is done with (retainly::CallMemory).
    retainly::CallMemory memory;
    BackfillReadAhead pages(*reader, std::max<size_t>(options_.page_rows, 1),
                            std::max<size_t>(options_.pages_read_ahead, 1),
                            [this, &memory](BackfillPage& page) { map_page(page, memory); });
    while (auto page = pages.next()) {
      if (halt.load()) return;
      rows_read_ += page->row_count;
      rows_sent += page->row_count;
      mapping::MappingOutput& output = page->output;
      dead_letter_rejections(output);
      if (options_.mirror) {
        for (const auto& call : output.calls) seen.saw(call);
        refused_rows += output.rejections.size();
      }
      // The window counts the pages Retainly has not answered. An answered page's stamps
      // and checkpoint are committed on the store's thread meanwhile, in one transaction;
      // the next page does not wait for that commit and its sync. (It did, and at every
      // page the sink ran dry and the cores idled: 10% of a 1M-row backfill's time.) The
      // filter bounds what waits to be committed (ChangedFilterOptions::max_batch).
      const size_t window = std::max<size_t>(options_.pages_in_flight, 1);
      for (size_t unanswered;
           (unanswered = unanswered_pages(unsettled, sink_.watermark())) >= window;) {
        wait_settled(unsettled[unsettled.size() - unanswered].first, halt);
        checkpoints_committed(commit_settled(Commit::kIfDue));
      }
      BackfillCheckpoint after{std::move(page->last_key), rows_sent, false};
      const std::string saved = encode_checkpoint(table, after);
      const uint64_t last = submit(output.calls, progress, halt, {name, saved});
      unsettled.emplace_back(last, std::move(after));
      checkpoints_committed(commit_settled(Commit::kIfDue));
    }
  }
  if (!unsettled.empty()) wait_settled(unsettled.back().first, halt);
  checkpoints_committed(commit_settled(Commit::kNow));
  if (options_.mirror) {
    seen.seal();
    mirror_table(table, seen, refused_rows, progress, halt);
  }
  done_so_far.done = true;
  if (!options_.dry_run) {
    // Every call of this table is settled, so the watermark has passed them all (and
    // perhaps another table's, which do not hold this up as last_sequence_ could).
    std::lock_guard lock(submit_mutex_);
    options_.filter->save_progress(sink_.watermark(), name, encode_checkpoint(table, done_so_far));
  }
  // Durable, with the store's totals: the table is done.
  commit_settled(Commit::kDurable);
  if (!options_.dry_run) std::filesystem::remove(legacy_file);
  progress.finished = true;
}

void Backfill::mirror_table(const TableId& table, const MirrorSeen& seen, uint64_t rejections,
                            BackfillProgress& progress, const std::atomic<bool>& halt) {
  const std::string name = table.qualified();
  const MirrorKinds kinds = mirror_kinds(mapper_, name);
  MirrorPlan plan;
  {
    std::lock_guard lock(submit_mutex_);
    plan = plan_mirror(options_.filter->store(), name, options_.filter->table(name, true).tag,
                       kinds.customers, kinds.items, seen, rejections, options_.mirror_limits);
  }
  if (!plan.refused.empty()) {
    log::warn("mirror of {}: nothing deleted: {}", name, plan.refused);
  } else if (!plan.deletes.empty()) {
    log::info("mirror of {}: {} {} customer(s) and {} item(s) no row backs any more", name,
              options_.dry_run ? "would delete" : "deleting", plan.customer_deletes,
              plan.item_deletes);
    // The summary keeps a sample of the deletes to show; the sink takes the rest.
    std::vector<retainly::Call> sample(
        plan.deletes.begin(), plan.deletes.begin() + std::min<size_t>(10, plan.deletes.size()));
    if (!options_.dry_run) wait_settled(submit(plan.deletes, progress, halt), halt);
    commit_settled(Commit::kDurable);
    plan.deletes = std::move(sample);
  }
  std::lock_guard lock(mirrors_mutex_);
  mirrors_.push_back(std::move(plan));
}

void Backfill::map_page(BackfillPage& page, retainly::CallMemory& memory) const {
  mapping::MappingOutput& output = page.output;
  // Mostly a call per row: grown by doubling, the vector moved every call a dozen times.
  output.calls.reserve(page.rows.size());
  std::vector<std::vector<retainly::Attribute>> spent;
  sink_.take_spent(spent);
  memory.reclaim(spent);
  output.memory = &memory;
  for (const RowChange& row : page.rows) mapper_.map(row, output);
  output.memory = nullptr;  // the page goes to another thread
}

void Backfill::dead_letter_rejections(const mapping::MappingOutput& output) {
  for (const auto& rejection : output.rejections) {
    ++rejections_;
    log::warn("dead-lettered a row of {} ({}): {}", rejection.origin.table, rejection.origin.key,
              rejection.reason);
    sink_.dead_letters().append_rejection(rejection.origin, rejection.payload, rejection.reason);
  }
}

uint64_t Backfill::submit(std::vector<retainly::Call>& calls, BackfillProgress& progress,
                          const std::atomic<bool>& halt, const Saved& saved) {
  std::lock_guard lock(submit_mutex_);
  ChangedFilter* filter = options_.filter;
  // A copy, not a pointer into a call: each call is moved into the sink below, which
  // empties the name a pointer would see, and the table was then looked up for every row.
  std::optional<std::string> table_name;
  ChangedFilter::Table table;
  // The calls to send gather at the front of `calls`, numbered, and go to the sink
  // together below. The filter learns each one's sequence as it passes: were the sink to
  // take fewer (it failed, or the backfill halts), the backfill ends here, and what the
  // filter then holds for calls never sent is never acknowledged, so never committed.
  size_t passed = 0;
  for (auto& call : calls) {
    if (filter != nullptr) {
      if (table_name != call.origin.table) {
        table_name = call.origin.table;
        table = filter->table(*table_name, !options_.full && mapper_.sends_changed(*table_name),
                              flattened_fields(mapper_, *table_name));
      }
      ChangedFilter::Skipped skipped;
      const bool send = filter->prepare(call, table, skipped);
      fields_skipped_ += skipped.fields;
      if (!send) {
        ++calls_skipped_;
        continue;
      }
    }
    ++progress.calls;
    if (options_.dry_run) continue;
    call.sequence = ++last_sequence_;
    if (filter != nullptr) filter->submitted(last_sequence_);
    if (&call != &calls[passed]) calls[passed] = std::move(call);
    ++passed;
  }
  if (options_.dry_run) return last_sequence_;  // nothing numbered, nothing to hand over
  // What is left behind the calls to send (skipped ones, or moved forward) goes first: the
  // sink then takes the vector as it is, at once when it can (Sink::submit_all).
  calls.resize(passed);
  const size_t taken = sink_.submit_all(calls, &halt);
  if (taken < passed) {
    last_sequence_ -= passed - taken;  // not taken
    throw_if_failed(sink_);
    throw Interrupted("backfill halted");
  }
  // A page leaves now rather than after the flush interval: it is whole.
  sink_.flush();
  // Under the same lock as the calls: no commit can take them without it.
  if (!saved.name.empty() && !options_.dry_run) {
    filter->save_progress(last_sequence_, saved.name, saved.value);
  }
  return last_sequence_;
}

uint64_t Backfill::commit_settled(Commit commit) {
  if (options_.filter == nullptr) return sink_.watermark();
  std::lock_guard lock(submit_mutex_);
  dead_lettered_.clear();
  // Two statements: the span must be made after settled() filled the vector.
  const uint64_t watermark = sink_.settled(dead_lettered_);
  ChangedFilter& filter = *options_.filter;
  filter.settled(watermark, dead_lettered_);
  switch (commit) {
    case Commit::kIfDue:
      filter.commit_if_due();
      break;
    case Commit::kNow:
      filter.commit_now();
      break;
    case Commit::kDurable:
      filter.commit_if_due(/*force=*/true);
      break;
  }
  return filter.committed_through();
}

void Backfill::wait_settled(uint64_t sequence, const std::atomic<bool>& halt) {
  // Meanwhile what the answers settle is committed on the store's thread, so that the
  // commit the window waits for at the end of a page has only the page's tail left.
  while (!sink_.wait_for(sequence, 5ms)) {
    throw_if_failed(sink_);
    if (halt.load()) throw Interrupted("backfill halted");
    commit_settled(Commit::kIfDue);
  }
  throw_if_failed(sink_);
}

}  // namespace cdc::pipeline
