#include "pipeline/resnapshot.h"

#include <algorithm>
#include <random>
#include <set>

#include "core/errors.h"
#include "ops/log.h"

namespace cdc::pipeline {
namespace {

using namespace std::chrono_literals;

// Chunks handed to the sink and not yet acknowledged before the next one waits: keeps
// reading ahead of Retainly (and memory) to about two chunks, as backfill does.
constexpr size_t kChunksInFlight = 2;
// How often a table's progress is logged while it is read.
constexpr auto kReportInterval = 10s;
// The first pause before a chunk that missed a transaction is read again; it doubles
// each time in a row, up to ResnapshotTiming::retry_pause. The transaction becomes
// visible within microseconds, unless a synchronous standby holds it.
constexpr auto kFirstMissedPause = 10ms;

std::string bucket_of(const std::vector<Value>& key) {
  std::string text;
  for (const Value& value : key) text += value.debug_string() + '\x1f';
  return text;
}

const char* label(ResnapshotOrigin origin) {
  return origin == ResnapshotOrigin::kInitialSnapshot ? "initial snapshot" : "re-snapshot";
}

}  // namespace

Resnapshot::Resnapshot(std::filesystem::path state_dir, ResnapshotHooks hooks, size_t chunk_rows,
                       ResnapshotTiming timing)
    : files_(state_dir), hooks_(std::move(hooks)), chunk_rows_(chunk_rows), timing_(timing) {}

void Resnapshot::take_requests() {
  if (!loaded_) {
    loaded_ = true;
    for (auto& stored : files_.load_progress()) {
      Task& task = tasks_[stored.table.qualified()];
      task.read_key = stored.last_key;
      task.rows_read = stored.rows;
      task.generation = ++next_generation_;
      task.stored = std::move(stored);
      publish(task, /*done=*/false);
    }
  }
  for (auto& fresh : files_.take_requests()) {
    const std::string name = fresh.table.qualified();
    const bool running = tasks_.contains(name);
    Task& task = tasks_[name];
    // A table the initial snapshot still owes stays owed, whoever asks again.
    if (running && task.stored.origin == ResnapshotOrigin::kInitialSnapshot) {
      fresh.origin = ResnapshotOrigin::kInitialSnapshot;
    }
    if (running) {
      log::info("{} of {} requested again while it runs: it starts over from the first row",
                label(fresh.origin), name);
    }
    // The previous generation's chunks in flight still deliver their rows, but no longer
    // move this table's progress.
    task = Task{.stored = std::move(fresh), .generation = ++next_generation_};
    publish(task, /*done=*/false);
  }
}

Resnapshot::Task* Resnapshot::next_task() {
  if (!active_.empty()) {
    auto it = tasks_.find(active_);
    if (it != tasks_.end() && !it->second.all_read) return &it->second;
    active_.clear();
  }
  for (auto& [name, task] : tasks_) {
    if (task.all_read) continue;
    active_ = name;
    log::info("{} of {} {}", label(task.stored.origin), name,
              task.rows_read > 0 ? "continues after " + std::to_string(task.rows_read) + " rows"
                                 : "starts");
    return &task;
  }
  return nullptr;
}

void Resnapshot::poll() {
  const auto now = std::chrono::steady_clock::now();
  if (!loaded_ || now - last_scan_ >= timing_.scan_interval) {
    last_scan_ = now;
    take_requests();
  }
  if (window_ || now < retry_at_ || unacknowledged_.size() >= kChunksInFlight) return;
  Task* task = next_task();
  if (task == nullptr) return;
  try {
    start_chunk(*task);
  } catch (const SourceError& error) {
    // The stream notices a lost server by itself; the chunk is tried again later.
    log::warn("{} of {}: reading a chunk failed: {}; trying again in {} ms",
              label(task->stored.origin), active_, error.what(), timing_.retry_pause.count());
    retry_at_ = now + timing_.retry_pause;
  }
}

void Resnapshot::start_chunk(Task& task) {
  Window window;
  window.id = std::to_string(std::random_device{}()) + "-" + std::to_string(++next_id_);
  window.task = active_;
  window.table = task.stored.table;
  window.generation = task.generation;
  hooks_.emit_watermark("low:" + window.id);
  auto reader = hooks_.open_chunk(task.stored.table, task.read_key);
  if (task.estimated_rows == 0) {
    task.estimated_rows = reader->estimated_rows();
    publish(task, /*done=*/false);
  }
  window.key_names = reader->key_columns();
  for (const auto& name : window.key_names) {
    window.key_indexes.push_back(reader->schema()->column_index(name));
  }
  if (std::find(window.key_indexes.begin(), window.key_indexes.end(), -1) !=
      window.key_indexes.end()) {
    log::error("{} of {}: the table has no primary key to read it by in chunks; request dropped",
               label(task.stored.origin), active_);
    files_.remove(task.stored.table);
    tasks_.erase(active_);
    active_.clear();
    return;
  }
  const size_t rows = reader->next_batch(chunk_rows_, window.chunk);
  window.chunk_last_key = rows > 0 ? reader->last_key() : task.read_key;
  window.last_chunk = rows < chunk_rows_;
  window.running = reader->running_transactions();
  hooks_.emit_watermark("high:" + window.id);
  window_ = std::move(window);
}

bool Resnapshot::key_of(const RowChange& change, const Row& row, std::vector<Value>& key) const {
  key.clear();
  for (const auto& name : window_->key_names) {
    const int index = change.table->column_index(name);
    if (index < 0 || static_cast<size_t>(index) >= row.size()) return false;
    const Value& value = row[static_cast<size_t>(index)];
    if (value.is_unchanged()) return false;
    key.push_back(value);
  }
  return true;
}

bool Resnapshot::observe(const RowChange& change) {
  if (!window_ || !window_->low_seen || !change.table || change.table->id != window_->table) {
    return false;
  }
  std::vector<Value> key;
  for (const Row* row : {&change.before, &change.after}) {
    if (!row->empty() && key_of(change, *row, key)) {
      window_->changed.emplace(bucket_of(key), key);
    }
  }
  // A truncate changes every row: the whole chunk is stale.
  if (change.op == Operation::kTruncate) window_->chunk.clear();
  return true;
}

std::vector<RowChange> Resnapshot::on_watermark(const std::string& watermark,
                                                const Position& position) {
  if (!window_) return {};
  if (watermark == "low:" + window_->id) {
    window_->low_seen = true;
    // Every transaction logged before L has been delivered by now.
    window_->missed = !window_->running.empty() && hooks_.delivered_before &&
                      hooks_.delivered_before(window_->running, position);
    return {};
  }
  if (watermark != "high:" + window_->id) return {};  // an older run's, or not ours
  if (window_->missed) {
    const auto pause = std::min<std::chrono::milliseconds>(
        timing_.retry_pause, kFirstMissedPause * (1 << std::min(missed_in_a_row_++, 16)));
    log::info(
        "{}: the chunk is read again: a transaction the stream delivered before the chunk's "
        "low watermark was not yet visible to its read (next attempt in {} ms)",
        window_->table.qualified(), pause.count());
    retry_at_ = std::chrono::steady_clock::now() + pause;
    window_.reset();
    return {};
  }
  missed_in_a_row_ = 0;
  std::vector<RowChange> fresh;
  std::vector<Value> key;
  for (RowChange& row : window_->chunk) {
    key.clear();
    for (int index : window_->key_indexes) key.push_back(row.after[static_cast<size_t>(index)]);
    const auto [first, last] = window_->changed.equal_range(bucket_of(key));
    const bool changed =
        std::any_of(first, last, [&](const auto& entry) { return entry.second == key; });
    if (!changed) fresh.push_back(std::move(row));
  }
  // Reading moves on at once; what is stored waits for the acknowledgement.
  auto it = tasks_.find(window_->task);
  if (it != tasks_.end() && it->second.generation == window_->generation) {
    Task& task = it->second;
    task.read_key = window_->chunk_last_key;
    task.rows_read += window_->chunk.size();
    task.all_read = window_->last_chunk;
    unsubmitted_ = SentChunk{
        0, window_->task, window_->generation, task.read_key, task.rows_read, task.all_read};
  }
  window_.reset();
  return fresh;
}

void Resnapshot::chunk_submitted(uint64_t last_sequence) {
  if (!unsubmitted_) return;
  unsubmitted_->last_sequence = last_sequence;
  unacknowledged_.push_back(std::move(*unsubmitted_));
  unsubmitted_.reset();
}

void Resnapshot::acknowledged(uint64_t settled) {
  std::set<std::string> moved;
  while (!unacknowledged_.empty() && unacknowledged_.front().last_sequence <= settled) {
    SentChunk chunk = std::move(unacknowledged_.front());
    unacknowledged_.pop_front();
    auto it = tasks_.find(chunk.task);
    // A chunk of an earlier request for the table: its rows are delivered, but the table
    // was asked for again since and starts over.
    if (it == tasks_.end() || it->second.generation != chunk.generation) continue;
    it->second.stored.last_key = std::move(chunk.last_key);
    it->second.stored.rows = chunk.rows;
    if (chunk.last_chunk) {
      moved.erase(chunk.task);
      finish(it);
    } else {
      moved.insert(chunk.task);
    }
  }
  const auto now = std::chrono::steady_clock::now();
  for (const auto& name : moved) {
    Task& task = tasks_.at(name);
    files_.save(task.stored);
    publish(task, /*done=*/false);
    if (now - task.last_report >= kReportInterval) {
      task.last_report = now;
      log::info("{} of {}: {} rows acknowledged{}", label(task.stored.origin), name,
                task.stored.rows,
                task.estimated_rows > 0
                    ? " of about " + std::to_string(std::max(task.estimated_rows, task.stored.rows))
                    : "");
    }
  }
}

void Resnapshot::finish(std::map<std::string, Task>::iterator it) {
  Task& task = it->second;
  files_.remove(task.stored.table);
  publish(task, /*done=*/true);
  const ResnapshotOrigin origin = task.stored.origin;
  log::info("{} of {} done: {} rows", label(origin), it->first, task.stored.rows);
  if (active_ == it->first) active_.clear();
  if (origin == ResnapshotOrigin::kInitialSnapshot) initial_rows_ += task.stored.rows;
  tasks_.erase(it);
  const bool initial_left = std::any_of(tasks_.begin(), tasks_.end(), [](const auto& entry) {
    return entry.second.stored.origin == ResnapshotOrigin::kInitialSnapshot;
  });
  if (origin == ResnapshotOrigin::kInitialSnapshot && !initial_left) {
    log::info("initial snapshot done: every mapped table sent ({} rows)", initial_rows_);
  }
}

void Resnapshot::publish(const Task& task, bool done) {
  std::lock_guard lock(board_mutex_);
  board_[task.stored.table.qualified()] = {task.stored.table.qualified(), task.stored.rows,
                                           task.estimated_rows, done};
}

std::vector<SnapshotTableProgress> Resnapshot::progress() const {
  std::lock_guard lock(board_mutex_);
  std::vector<SnapshotTableProgress> tables;
  for (const auto& [name, table] : board_) tables.push_back(table);
  return tables;
}

}  // namespace cdc::pipeline
