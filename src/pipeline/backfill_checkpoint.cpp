#include "pipeline/backfill_checkpoint.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "state/atomic_file.h"

namespace cdc::pipeline {

using nlohmann::json;

std::filesystem::path checkpoint_path(const std::filesystem::path& state_dir,
                                      const TableId& table) {
  return state_dir / "backfill" / (table.qualified() + ".json");
}

std::optional<BackfillCheckpoint> load_checkpoint(const std::filesystem::path& path) {
  const auto text = state::read_file(path);
  if (!text) return std::nullopt;
  const json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("rows") || !doc.contains("done")) {
    throw std::runtime_error(path.string() +
                             ": not a backfill checkpoint; delete it to start the table over");
  }
  BackfillCheckpoint checkpoint;
  if (doc.contains("last_key") && doc["last_key"].is_array()) {
    checkpoint.last_key = doc["last_key"].get<std::vector<std::string>>();
  }
  checkpoint.rows = doc["rows"].get<uint64_t>();
  checkpoint.done = doc["done"].get<bool>();
  return checkpoint;
}

void save_checkpoint(const std::filesystem::path& path, const TableId& table,
                     const BackfillCheckpoint& checkpoint) {
  json doc = {{"table", table.qualified()},
              {"last_key", checkpoint.last_key ? json(*checkpoint.last_key) : json(nullptr)},
              {"rows", checkpoint.rows},
              {"done", checkpoint.done}};
  state::write_file_atomically(path, doc.dump() + "\n");
}

}  // namespace cdc::pipeline
