#include "support/stored_checkpoint.h"

#include <stdexcept>
#include <string>

#include "pipeline/backfill_checkpoint.h"
#include "state/last_sent_store.h"

namespace cdc::test {

nlohmann::json stored_checkpoint(const std::filesystem::path& state_dir, std::string_view table) {
  const auto directory = state_dir / "last-sent";
  if (!std::filesystem::exists(directory / "data.mdb")) return nullptr;
  const size_t dot = table.find('.');
  if (dot == std::string_view::npos) throw std::invalid_argument("not schema.table");
  const TableId id{std::string(table.substr(0, dot)), std::string(table.substr(dot + 1))};
  state::LastSentStore store(directory, /*read_only=*/true);
  const auto checkpoint = pipeline::load_checkpoint(store, id);
  if (!checkpoint) return nullptr;
  return nlohmann::json::parse(pipeline::encode_checkpoint(id, *checkpoint));
}

}  // namespace cdc::test
