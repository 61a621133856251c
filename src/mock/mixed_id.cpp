#include "mock/mixed_id.h"

namespace cdc::mock {

bool is_valid_id(const nlohmann::json& id) {
  if (id.is_number()) return true;
  return id.is_string() && !id.get_ref<const std::string&>().empty();
}

std::string id_key(const nlohmann::json& id) {
  if (id.is_string()) return id.get<std::string>();
  if (id.is_number_unsigned()) return std::to_string(id.get<uint64_t>());
  if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
  return id.dump();
}

}  // namespace cdc::mock
