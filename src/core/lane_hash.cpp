#include "core/lane_table.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cdc {

uint32_t lane_hash(std::string_view key) {
  return static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()));
}

}  // namespace cdc
