#include "pipeline/backfill_checkpoint.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "state/atomic_file.h"

namespace cdc::pipeline {
namespace {

using nlohmann::json;

// `where` names the checkpoint in the error: what to delete to start the table over.
BackfillCheckpoint decode(std::string_view text, const std::string& where) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("rows") || !doc["rows"].is_number_unsigned() ||
      !doc.contains("done") || !doc["done"].is_boolean()) {
    throw std::runtime_error(where + " is not a backfill checkpoint");
  }
  BackfillCheckpoint checkpoint;
  if (doc.contains("last_key") && doc["last_key"].is_array()) {
    checkpoint.last_key = doc["last_key"].get<std::vector<std::string>>();
  }
  checkpoint.rows = doc["rows"].get<uint64_t>();
  checkpoint.done = doc["done"].get<bool>();
  return checkpoint;
}

constexpr std::string_view kNamePrefix = "backfill ";

}  // namespace

std::string checkpoint_name(const TableId& table) {
  return std::string(kNamePrefix) + table.qualified();
}

std::string encode_checkpoint(const TableId& table, const BackfillCheckpoint& checkpoint) {
  const json doc = {{"table", table.qualified()},
                    {"last_key", checkpoint.last_key ? json(*checkpoint.last_key) : json(nullptr)},
                    {"rows", checkpoint.rows},
                    {"done", checkpoint.done}};
  return doc.dump();
}

std::optional<BackfillCheckpoint> load_checkpoint(state::LastSentStore& store,
                                                  const TableId& table) {
  const auto text = store.progress(checkpoint_name(table));
  if (!text) return std::nullopt;
  return decode(*text, "the backfill checkpoint of " + table.qualified() + " in " +
                           store.directory().string() +
                           " (`backfill` without --resume starts the table over)");
}

std::vector<std::pair<std::string, BackfillCheckpoint>> stored_checkpoints(
    state::LastSentStore& store) {
  std::vector<std::pair<std::string, BackfillCheckpoint>> out;
  store.progress_entries(kNamePrefix, [&](std::string_view name, std::string_view value) {
    std::string table(name.substr(kNamePrefix.size()));
    out.emplace_back(table, decode(value, "the backfill checkpoint of " + table + " in " +
                                              store.directory().string()));
  });
  return out;
}

uint64_t forget_checkpoints(state::LastSentStore& store) {
  return store.forget_progress(kNamePrefix);
}

std::filesystem::path legacy_checkpoint_path(const std::filesystem::path& state_dir,
                                             const TableId& table) {
  return state_dir / "backfill" / (table.qualified() + ".json");
}

std::optional<BackfillCheckpoint> load_legacy_checkpoint(const std::filesystem::path& path) {
  const auto text = state::read_file(path);
  if (!text) return std::nullopt;
  return decode(*text, path.string() + " (delete it to start the table over)");
}

}  // namespace cdc::pipeline
