#include "pipeline/stream_pipeline.h"

#include <algorithm>
#include <thread>
#include <variant>

#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/flattened_fields.h"
#include "pipeline/truncate_deletes.h"
#include "sink/backoff.h"

namespace cdc::pipeline {

using namespace std::chrono_literals;

namespace {

// Changes handled between two rounds of upkeep (acknowledging, publishing the status,
// looking at the lease and the sink) while no transaction ends; at source speed a few
// hundred microseconds.
constexpr uint32_t kChangesPerUpkeep = 256;

// The calls made since the last upkeep go to the sink together (StreamPipeline::
// hand_over()), at the latest once this many wait: one lock and no copy for all of them,
// where a call handed over alone cost the pipeline's thread some 500 instructions.
constexpr size_t kMaxCallsHeld = 1024;

}  // namespace

StreamPipeline::StreamPipeline(ChangeSource& source, const mapping::Mapper& mapper,
                               sink::Sink& sink, PipelineOptions options, InstanceLock* lock)
    : source_(source), lock_(lock), mapper_(&mapper), sink_(sink), options_(options) {
  output_.memory = &call_memory_;
  if (lock_ != nullptr) {
    auto window = std::make_shared<sink::SendWindow>();
    lease_ = std::make_unique<LockLease>(*lock_, window, options_.lease);
    sink_.set_send_window(std::move(window));
  }
}

void StreamPipeline::run(const std::atomic<bool>& stop) {
  // Sequences continue after calls handed over before (an initial snapshot's).
  last_sequence_ = sink_.last_submitted();
  stop_ = &stop;
  if (reload_requests_ != nullptr) reloads_seen_ = reload_requests_->load();
  if (!start_streaming(stop)) return;
  uint32_t changes_since_upkeep = 0;
  while (!stop.load()) {
    try {
      auto item = source_.next(50ms);
      if (item) {
        const bool is_change = std::holds_alternative<RowChange>(*item);
        handle(*item);
        source_.recycle(std::move(*item));
        // The upkeep below reads clocks and takes the sink's lock: a stream of changes
        // pays for it once per transaction or per kChangesPerUpkeep changes, not per
        // change. The sink itself stops sending when the lease lapses, and refuses calls
        // once it failed, so neither waits for this.
        if (is_change && ++changes_since_upkeep < kChangesPerUpkeep) continue;
      }
      // The queued calls go at every upkeep: at each transaction's end (so a commit's calls
      // never wait for the next one), every kChangesPerUpkeep changes, and when the source
      // has nothing.
      hand_over();
    } catch (const SourceDisconnected& lost) {
      restart(stop, std::string("lost the source connection: ") + lost.what());
    } catch (const Interrupted&) {
      break;  // `stop` came while the sink was full: drain below, within the timeout
    }
    changes_since_upkeep = 0;
    if (!still_holds_lock()) restart(stop, "lost the instance lock");
    if (reload_requests_ != nullptr && reload_requests_->load() != reloads_seen_) {
      reload_mappings(stop);
    }
    if (resnapshot_ != nullptr && status_.streaming) poll_resnapshot();
    acknowledge_done();
    publish(/*force=*/false);
    throw_if_sink_failed();
  }
  try {
    hand_over();
  } catch (const Interrupted&) {
    // The sink was full: the calls it did not take are left, with their transactions.
  }
  log::info("stopping: draining {} in-flight calls", last_sequence_ - sink_.watermark());
  sink_.flush();
  if (!sink_.wait_for(last_sequence_, options_.shutdown_timeout)) {
    throw_if_sink_failed();
    log::warn(
        "shutdown timeout reached with calls still in flight; their transactions will be "
        "read again on the next start");
  }
  acknowledge_done(/*final=*/true);
  stop_source();
  status_.streaming = false;
  publish(/*force=*/true);
}

void StreamPipeline::poll_resnapshot() {
  try {
    resnapshot_->poll();
  } catch (const SourceError& error) {
    // The stream notices a lost server by itself; the request is tried again later.
    log::warn("re-snapshot chunk failed: {}; trying again", error.what());
  }
}

void StreamPipeline::drain(const std::atomic<bool>& stop) {
  try {
    hand_over();
  } catch (const Interrupted&) {
    return;  // `stop` came while the sink was full: the caller sees it
  }
  sink_.flush();
  while (!stop.load() && !sink_.wait_for(last_sequence_, 200ms)) throw_if_sink_failed();
}

bool StreamPipeline::still_holds_lock() {
  if (lease_ == nullptr) return true;
  if (lease_->lost()) return false;
  // Lapsed but not lost: a confirmation is late, so the sink pauses until it comes.
  const bool lapsed = !lease_->held();
  if (lapsed != lease_lapsed_) {
    lease_lapsed_ = lapsed;
    if (lapsed) {
      log::warn(
          "the {} was not confirmed within its lease (a slow database?): sending paused "
          "until a confirmation comes, at most {} ms",
          lock_->describe(), options_.lease.lapse_limit.count());
    } else {
      log::info("the {} is confirmed again: sending resumed", lock_->describe());
    }
  }
  return true;
}

void StreamPipeline::restart(const std::atomic<bool>& stop, const std::string& why) {
  log::warn("{}; delivering what was read, then starting again", why);
  stop_streaming(stop);
  if (start_streaming(stop)) log::info("streaming again");
}

void StreamPipeline::stop_streaming(const std::atomic<bool>& stop) {
  status_.streaming = false;
  publish(/*force=*/true);
  // Everything read is delivered and acknowledged first, so the next start resumes right
  // after it: only a transaction cut off mid-way is read again, held changes included.
  held_.clear();
  drain(stop);
  acknowledge_done(/*final=*/true);
  stop_source();
  transaction_deletes_.transaction_ended();
}

void StreamPipeline::stop_source() {
  source_.stop();
  // Where the source stopped, which may lie past the last transaction (it idled), is the
  // store's now: the next start compares the slot with it.
  if (filter_ != nullptr) filter_->record_stopped_at(source_.status().acknowledged);
}

void StreamPipeline::reload_mappings(const std::atomic<bool>& stop) {
  reloads_seen_ = reload_requests_->load();
  log::info("reload requested: reading the mappings again");
  ReloadOutcome outcome = reload_();
  if (auto* error = std::get_if<std::string>(&outcome)) {
    ++status_.reloads_failed;
    status_.reload_error = *error;
    log::error("reload failed; the running mappings stay: {}", *error);
    publish(/*force=*/true);
    return;
  }
  auto& next = std::get<MappingSwitch>(outcome);
  ++status_.reloads_applied;
  status_.reload_error.clear();
  // What was read so far was mapped by the old set: stopping delivers and acknowledges
  // it, so the source resumes at a transaction boundary and every later one meets the
  // new set.
  stop_streaming(stop);
  source_.set_tables(next.tables);
  reloaded_mapper_ = std::move(next.mapper);
  mapper_ = reloaded_mapper_.get();
  filtered_schema_.reset();  // `send:` may have changed
  if (start_streaming(stop)) log::info("reload applied; streaming with the new mappings");
}

bool StreamPipeline::start_streaming(const std::atomic<bool>& stop) {
  sink::Backoff backoff(options_.reconnect_initial, options_.reconnect_max, sink::default_random());
  auto wait = [&](std::chrono::milliseconds duration) {
    for (auto until = std::chrono::steady_clock::now() + duration;
         !stop.load() && std::chrono::steady_clock::now() < until;) {
      std::this_thread::sleep_for(50ms);
      publish(/*force=*/false);
    }
  };
  bool announced_standby = false;
  for (uint32_t attempt = 1; !stop.load();) {
    try {
      if (lease_ != nullptr && !lease_->held()) {
        if (!lease_->try_take()) {
          if (!announced_standby) {
            log::info("standby: another instance holds the {}; taking over when it is free",
                      lock_->describe());
            announced_standby = true;
          }
          status_.standby = true;
          wait(1s);
          continue;
        }
        // A previous holder may still be sending until its lease lapses.
        log::info("took the {}; sending in {} ms, once any previous holder has stopped",
                  lock_->describe(), options_.lease.takeover_delay.count());
        while (!stop.load() && lease_->held() && !lease_->active()) wait(50ms);
        if (stop.load()) return false;
        if (!lease_->held()) continue;
      }
      status_.standby = false;
      if (before_first_start_) {
        before_first_start_();
        before_first_start_ = nullptr;  // done: a reconnect does not repeat it
        // Sequences continue after the calls the hook handed over (a snapshot's).
        last_sequence_ = sink_.last_submitted();
        if (stop.load()) return false;
      }
      source_.start();
      if (filter_ != nullptr) filter_->check_resume(source_.resumed_after());
      status_.streaming = true;
      ever_streamed_ = true;
      publish(/*force=*/true);
      return true;
    } catch (const SourceDisconnected& error) {
      // A first start that cannot reach the source is a configuration problem to report
      // at once; later ones (server restarts, network cuts) are waited out.
      if (!ever_streamed_ && !announced_standby) throw;
      const auto delay = std::max(backoff.delay(attempt++), std::chrono::milliseconds(100));
      log::warn("cannot reach the source ({}); next attempt in {} ms", error.what(), delay.count());
      wait(delay);
    }
  }
  return false;
}

PipelineStatus StreamPipeline::status() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

void StreamPipeline::publish(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_publish_ < 250ms) return;
  last_publish_ = now;
  status_.source = source_.status();
  status_.oldest_unacknowledged_commit_micros = commits_.oldest_pending_commit_micros();
  if (filter_ != nullptr) {
    const auto store = filter_->store_stats();
    status_.last_sent = LastSentSize{store.file_bytes, store.customers, store.items};
  }
  std::lock_guard lock(published_mutex_);
  published_ = status_;
}

void StreamPipeline::count_change(const RowChange& change) {
  if (!change.table) return;
  if (change.table != counted_schema_) {
    counted_schema_ = change.table;
    counted_ = &status_.changes[change.table->id.qualified()];
  }
  ++(*counted_)[static_cast<size_t>(change.op)];
}

void StreamPipeline::count_calls(const RowChange& change, uint64_t calls) {
  status_.calls += calls;
  if (!change.table || calls == 0) return;
  if (change.table != calls_counted_schema_) {
    calls_counted_schema_ = change.table;
    calls_counted_ = &status_.calls_per_table[change.table->id.qualified()];
  }
  *calls_counted_ += calls;
}

void StreamPipeline::handle(SourceItem& item) {
  if (auto* change = std::get_if<RowChange>(&item)) {
    if (fetcher_ != nullptr) {
      const bool fetch = mapper_->needs_whole_row(*change);
      // Once one change waits, the rest of its transaction waits behind it, in order.
      if (fetch || !held_.empty()) {
        hold(std::move(*change), fetch);
        return;
      }
    }
    handle_change(*change);
    return;
  }
  auto& end = std::get<TransactionEnd>(item);
  release_held();
  if (!end.watermark.empty() && resnapshot_ != nullptr) {
    // A re-snapshot chunk joins the stream here, inside the watermark's transaction, so
    // it is acknowledged with it.
    for (RowChange& row : resnapshot_->on_watermark(end.watermark, end.position)) {
      row.position = end.position;
      map_and_submit(row);
    }
    resnapshot_->chunk_submitted(last_sequence_);
  }
  ++status_.transactions;
  transaction_deletes_.transaction_ended();
  commits_.transaction_ended(last_sequence_, std::move(end.position), end.commit_time_micros);
}

void StreamPipeline::handle_change(const RowChange& change) {
  count_change(change);
  const bool whole = resnapshot_ != nullptr && resnapshot_->observe(change);
  if (change.op == Operation::kTruncate) {
    mirror_truncate(change);
    return;
  }
  map_and_submit(change, whole);
}

void StreamPipeline::hold(RowChange&& change, bool fetch) {
  held_.push_back(HeldChange{std::move(change), fetch});
  if (held_.size() >= kMaxHeldChanges) release_held();
}

void StreamPipeline::release_held() {
  if (held_.empty()) return;
  // Whatever happens below, the held changes are done with: mapped, or (on an error or a
  // stop) left for the source to hand out again, since their transaction is not
  // acknowledged.
  struct Clear {
    StreamPipeline& pipeline;
    ~Clear() {
      for (auto& held : pipeline.held_) {
        pipeline.source_.recycle(SourceItem(std::move(held.change)));
      }
      pipeline.held_.clear();
    }
  } clear{*this};
  fetch_held();
  for (auto& held : held_) handle_change(held.change);
}

void StreamPipeline::fetch_held() {
  for (size_t i = 0; i < held_.size(); ++i) {
    if (!held_[i].fetch) continue;
    // One batch per table shape: this change's and every later one's of the same schema.
    const std::shared_ptr<const TableSchema>& schema = held_[i].change.table;
    fetch_group_.clear();
    for (size_t j = i; j < held_.size(); ++j) {
      if (held_[j].fetch && held_[j].change.table == schema) {
        fetch_group_.push_back(&held_[j].change);
        held_[j].fetch = false;
      }
    }
    const auto columns = mapper_->columns_read(schema);
    const RowFetchCounts counts = fetcher_->fill(fetch_group_, columns);
    count_reselected(held_[i].change, counts);
    log::debug("re-read {} row(s) of {} in {} statement(s); {} gone", counts.rows_found,
               schema->id.qualified(), counts.queries, counts.rows_gone);
  }
}

void StreamPipeline::count_reselected(const RowChange& change, const RowFetchCounts& counts) {
  ReselectCounts& total = status_.reselected_per_table[change.table->id.qualified()];
  total.rows += counts.rows_found;
  total.gone += counts.rows_gone;
  total.queries += counts.queries;
}

void StreamPipeline::mirror_truncate(const RowChange& change) {
  if (filter_ == nullptr || !change.table) return;
  const std::string table = change.table->id.qualified();
  auto calls = truncate_deletes(*filter_, *mapper_, table, filter_table(change).tag,
                                to_string(change.position));
  if (calls.empty()) return;
  log::info("truncate of {}: deleting the {} customer(s) and array item(s) it sent", table,
            calls.size());
  const size_t first = output_.calls.size();
  output_.calls.insert(output_.calls.end(), std::make_move_iterator(calls.begin()),
                       std::make_move_iterator(calls.end()));
  queue_calls(change, first);
}

void StreamPipeline::map_and_submit(const RowChange& change, bool whole) {
  // The change's calls join those not yet handed over (output_.calls).
  const size_t first = output_.calls.size();
  output_.rejections.clear();
  output_.skips.clear();
  reuse_spent_memory();
  if (filter_ != nullptr) known_customers_.tag = filter_table(change).tag;
  mapper_->map(change, output_, whole);
  if (!output_.skips.empty()) {
    count_old_image_skips(change);
    if (filter_ != nullptr) restore_known_different(change, first);
  }
  for (const auto& rejection : output_.rejections) {
    ++status_.rejections;
    log::warn("dead-lettered a change of {} ({}) at {}: {}", rejection.origin.table,
              rejection.origin.key, rejection.origin.position.str(), rejection.reason);
    sink_.dead_letters().append_rejection(rejection.origin, rejection.payload, rejection.reason);
  }
  queue_calls(change, first);
}

void StreamPipeline::reuse_spent_memory() {
  // Often enough that the memory seldom runs dry between two asks (it keeps thousands of
  // lists), seldom enough that the sink's lock is not taken twice a change.
  constexpr unsigned kEvery = 64;
  if (++changes_since_reuse_ < kEvery || !call_memory_.wants_more()) return;
  changes_since_reuse_ = 0;
  sink_.take_spent(spent_);
  call_memory_.reclaim(spent_);
}

void StreamPipeline::queue_calls(const RowChange& change, size_t first) {
  std::vector<retainly::Call>& calls = output_.calls;
  size_t kept = first;
  for (size_t i = first; i < calls.size(); ++i) {
    retainly::Call& call = calls[i];
    // The filter first: a delete it drops (only_if_sent) must not count as this
    // transaction's delete below.
    if (filter_ != nullptr) {
      ChangedFilter::Skipped skipped;
      const bool send = filter_->prepare(call, filter_table(change), skipped);
      count_skipped(change, skipped);
      if (!send) continue;
    }
    if (!transaction_deletes_.keep(call)) {
      ++status_.dropped_after_delete;
      log::debug("{} ({}) at {}: not re-creating customer {} that this transaction deleted",
                 call.origin.table, call.origin.key, call.origin.position.str(), call.customer_id);
      continue;
    }
    // Numbered now, and the filter told, as if the sink had it: hand_over() gives it
    // before anything waits on the sink, and should the sink not take it (it failed, or
    // `stop` came) the pipeline ends, so what the filter holds for it is never committed.
    call.sequence = ++last_sequence_;
    if (filter_ != nullptr) filter_->submitted(last_sequence_);
    if (kept != i) calls[kept] = std::move(call);
    ++kept;
  }
  calls.resize(kept);
  count_calls(change, kept - first);
  if (calls.size() >= kMaxCallsHeld) hand_over();
}

void StreamPipeline::hand_over() {
  std::vector<retainly::Call>& calls = output_.calls;
  if (calls.empty()) return;
  const size_t count = calls.size();
  const size_t taken = sink_.submit_all(calls, stop_);
  if (taken == count) return;
  last_sequence_ -= count - taken;  // not taken
  calls.clear();
  throw_if_sink_failed();
  throw Interrupted("stopped while waiting for room in the sink");
}

const ChangedFilter::Table& StreamPipeline::filter_table(const RowChange& change) {
  if (change.table != filtered_schema_) {
    filtered_schema_ = change.table;
    const std::string name = change.table ? change.table->id.qualified() : std::string();
    filter_table_ =
        filter_->table(name, mapper_->sends_changed(name), flattened_fields(*mapper_, name));
  }
  return filter_table_;
}

void StreamPipeline::count_skipped(const RowChange& change, const ChangedFilter::Skipped& skipped) {
  if (skipped.customer_deleted) {
    ++status_.dropped_after_delete;
    return;
  }
  if (skipped.not_sent_by_table) {
    ++status_.dropped_not_sent;
    return;
  }
  if (skipped.fields == 0 && !skipped.whole_call) return;
  SkipCounts& counts = skip_counts(change);
  counts.fields_last_sent += skipped.fields;
  if (skipped.whole_call) ++counts.calls_last_sent;
}

void StreamPipeline::restore_known_different(const RowChange& change, size_t first) {
  std::vector<retainly::Attribute> back;
  const uint16_t tag = filter_table(change).tag;
  for (const auto& skip : output_.skips) {
    back.clear();
    filter_->known_different(skip.kind, tag, skip.customer_id, skip.field, skip.item_id,
                             skip.fields, back);
    if (back.empty()) continue;
    ++status_.restored_after_dead_letter;
    log::debug(
        "{} ({}) at {}: {} field(s) the old image calls unchanged are not what Retainly "
        "holds from us (a dead letter, a field new in the mapping); sending them",
        skip.origin.table, skip.origin.key, skip.origin.position.str(), back.size());
    auto same_target = [&](const retainly::Call& call) {
      return call.kind == skip.kind && call.customer_id == skip.customer_id &&
             call.field == skip.field && call.item_id == skip.item_id;
    };
    // Among this change's calls only (from `first`): the others are earlier changes'.
    const auto mine = output_.calls.begin() + static_cast<std::ptrdiff_t>(first);
    auto it = std::find_if(mine, output_.calls.end(), same_target);
    if (skip.whole_call || it == output_.calls.end()) {
      retainly::Call& call = output_.calls.emplace_back();
      call.kind = skip.kind;
      call.customer_id = skip.customer_id;
      call.field = skip.field;
      call.item_id = skip.item_id;
      call.attributes = std::move(back);
      call.origin = skip.origin;
      back = {};
    } else {
      it->attributes.insert(it->attributes.end(), back.begin(), back.end());
    }
  }
}

SkipCounts& StreamPipeline::skip_counts(const RowChange& change) {
  if (change.table != skip_counted_schema_ || skip_counted_ == nullptr) {
    skip_counted_schema_ = change.table;
    skip_counted_ =
        &status_.skipped_per_table[change.table ? change.table->id.qualified() : std::string()];
  }
  return *skip_counted_;
}

void StreamPipeline::count_old_image_skips(const RowChange& change) {
  SkipCounts& counts = skip_counts(change);
  uint64_t fields = 0;
  for (const auto& skip : output_.skips) {
    fields += skip.fields.size();
    if (skip.whole_call) ++counts.calls_old_image;
  }
  counts.fields_old_image += fields;
  if (filter_ != nullptr) filter_->count_skipped_elsewhere(fields);
}

void StreamPipeline::acknowledge_done(bool final) {
  uint64_t settled = 0;
  if (filter_ != nullptr) {
    // The store first: an offset acknowledged past a call whose values the store then
    // lost could skip a field Retainly lacks.
    dead_lettered_.clear();
    // Two statements: the span must be made after settled() filled the vector.
    const uint64_t watermark = sink_.settled(dead_lettered_);
    filter_->settled(watermark, dead_lettered_);
    filter_->commit_if_due(final);
    settled = filter_->durable_through();
  } else {
    settled = sink_.watermark();
  }
  if (auto position = commits_.advance(settled)) {
    source_.acknowledge(*position);
  }
  // Every transaction acknowledged: the source may move on while idle (PostgreSQL's
  // slot follows the server's WAL), and the store records how far, so that a restart
  // after a crash finds the slot no further than the store knows.
  if (filter_ != nullptr && commits_.pending() == 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_position_note_ >= kPositionNoteInterval) {
      last_position_note_ = now;
      filter_->note_position(source_.status().acknowledged);
    }
  }
  // Snapshot progress moves with the same acknowledgements as the source's position.
  if (resnapshot_ != nullptr) resnapshot_->acknowledged(settled);
}

void StreamPipeline::throw_if_sink_failed() const {
  auto failure = sink_.failure();
  if (!failure) return;
  sink::throw_failure(*failure, lock_ != nullptr ? lock_->describe() : "");
}

}  // namespace cdc::pipeline
