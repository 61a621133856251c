#include "core/row_fetcher.h"

namespace cdc {

void fill_unchanged(RowChange& change, size_t index, const Value& value) {
  if (change.op != Operation::kUpdate || index >= change.after.size() ||
      !change.after[index].is_unchanged()) {
    return;
  }
  Row& before = change.before;
  if (before.empty()) {
    before.assign(change.after.size(), Value(Unchanged{}));
    const auto& columns = change.table->columns;
    for (size_t i = 0; i < before.size() && i < columns.size(); ++i) {
      if (columns[i].is_key) before[i] = change.after[i];
    }
  }
  if (index >= before.size() || !before[index].is_unchanged()) return;
  change.after[index] = value;
  before[index] = value;
}

}  // namespace cdc
