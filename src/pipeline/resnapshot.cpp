#include "pipeline/resnapshot.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "ops/log.h"
#include "state/atomic_file.h"

namespace cdc::pipeline {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::filesystem::path requests_dir(const std::filesystem::path& state_dir) {
  return state_dir / "resnapshot";
}

std::string bucket_of(const std::vector<Value>& key) {
  std::string text;
  for (const Value& value : key) text += value.debug_string() + '\x1f';
  return text;
}

}  // namespace

void request_resnapshot(const std::filesystem::path& state_dir, const TableId& table) {
  state::write_file_atomically(
      requests_dir(state_dir) / (table.qualified() + ".json"),
      json{{"schema", table.schema}, {"table", table.name}, {"last_key", nullptr}, {"rows", 0}}
              .dump() +
          "\n");
}

Resnapshot::Resnapshot(std::filesystem::path state_dir, ResnapshotHooks hooks, size_t chunk_rows)
    : dir_(requests_dir(state_dir)), hooks_(std::move(hooks)), chunk_rows_(chunk_rows) {}

std::optional<Resnapshot::Request> Resnapshot::next_request() {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const auto text = state::read_file(file);
    const json doc = json::parse(text.value_or(""), nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("schema") || !doc.contains("table")) {
      log::warn("re-snapshot: {} is not a request; ignored", file.string());
      continue;
    }
    Request request{file, TableId{doc["schema"], doc["table"]}, std::nullopt,
                    doc.value("rows", uint64_t{0})};
    if (doc["last_key"].is_array()) request.last_key = doc["last_key"];
    return request;
  }
  return std::nullopt;
}

void Resnapshot::save(const Request& request) const {
  state::write_file_atomically(
      request.file, json{{"schema", request.table.schema},
                         {"table", request.table.name},
                         {"last_key", request.last_key ? json(*request.last_key) : json(nullptr)},
                         {"rows", request.rows}}
                            .dump() +
                        "\n");
}

void Resnapshot::poll() {
  if (window_) return;
  if (!request_) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_scan_ < 1s) return;
    last_scan_ = now;
    request_ = next_request();
    if (!request_) return;
    log::info("re-snapshot of {} {}", request_->table.qualified(),
              request_->rows > 0 ? "continues after " + std::to_string(request_->rows) + " rows"
                                 : "starts");
  }
  start_chunk();
}

void Resnapshot::start_chunk() {
  Window window;
  window.id = std::to_string(std::random_device{}()) + "-" + std::to_string(++next_id_);
  hooks_.emit_watermark("low:" + window.id);
  auto reader = hooks_.open_chunk(request_->table, request_->last_key);
  window.key_names = reader->key_columns();
  for (const auto& name : window.key_names) {
    window.key_indexes.push_back(reader->schema()->column_index(name));
  }
  if (std::find(window.key_indexes.begin(), window.key_indexes.end(), -1) !=
      window.key_indexes.end()) {
    log::error("re-snapshot of {}: the table has no primary key to chunk by; request dropped",
               request_->table.qualified());
    std::filesystem::remove(request_->file);
    request_.reset();
    return;
  }
  const size_t rows = reader->next_batch(chunk_rows_, window.chunk);
  window.chunk_last_key = rows > 0 ? reader->last_key() : request_->last_key;
  window.last_chunk = rows < chunk_rows_;
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

void Resnapshot::observe(const RowChange& change) {
  if (!window_ || !window_->low_seen || !change.table || change.table->id != request_->table) {
    return;
  }
  std::vector<Value> key;
  for (const Row* row : {&change.before, &change.after}) {
    if (!row->empty() && key_of(change, *row, key)) {
      window_->changed.emplace(bucket_of(key), key);
    }
  }
  // A truncate changes every row: the whole chunk is stale.
  if (change.op == Operation::kTruncate) window_->chunk.clear();
}

std::vector<RowChange> Resnapshot::on_watermark(const std::string& watermark) {
  if (!window_) return {};
  if (watermark == "low:" + window_->id) {
    window_->low_seen = true;
    return {};
  }
  if (watermark != "high:" + window_->id) return {};  // an older run's, or not ours
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
  request_->rows += window_->chunk.size();
  request_->last_key = window_->chunk_last_key;
  if (window_->last_chunk) {
    log::info("re-snapshot of {} done: {} rows", request_->table.qualified(), request_->rows);
    std::filesystem::remove(request_->file);
    request_.reset();
  } else {
    save(*request_);
  }
  window_.reset();
  return fresh;
}

}  // namespace cdc::pipeline
