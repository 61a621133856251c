#include "core/spare_rows.h"

namespace cdc {

void SpareRows::take_back(std::vector<RowChange>& rows) {
  for (RowChange& change : rows) {
    if (rows_.size() >= kMaxRows) break;
    Row& after = change.after;
    if (after.capacity() == 0) continue;
    for (Value& value : after) {
      if (held_bytes(value) > kMaxKeptValueBytes) value = Null{};
    }
    rows_.push_back(std::move(after));
  }
  rows.clear();
}

}  // namespace cdc
