#include "support/stored_checkpoint.h"

#include <stdexcept>
#include <string>

#include "pipeline/backfill_checkpoint.h"
#include "state/last_sent_store.h"

namespace cdc::test {

nlohmann::json stored_checkpoint(const std::filesystem::path& state_dir, std::string_view table) {
  const auto store = state::LastSentStore::open_existing(state_dir / "last-sent");
  if (store == nullptr) return nullptr;
  const size_t dot = table.find('.');
  if (dot == std::string_view::npos) throw std::invalid_argument("not schema.table");
  const TableId id{std::string(table.substr(0, dot)), std::string(table.substr(dot + 1))};
  const auto checkpoint = pipeline::load_checkpoint(*store, id);
  if (!checkpoint) return nullptr;
  return nlohmann::json::parse(pipeline::encode_checkpoint(id, *checkpoint));
}

}  // namespace cdc::test
