#include "mapping/vanished_keys.h"

#include <algorithm>

#include "mapping/field_writer.h"

namespace cdc::mapping {

void append_vanished_keys(const Field& field, const RowView& old_view, size_t first,
                          WriteContext& ctx, std::vector<retainly::Attribute>& scratch,
                          std::vector<retainly::Attribute>& out) {
  scratch.clear();
  if (write_field(field, old_view, ctx, scratch) != FieldOutcome::kWritten) return;
  const size_t written = out.size();
  for (auto& old : scratch) {
    const auto now = out.begin() + static_cast<std::ptrdiff_t>(first);
    const auto end = out.begin() + static_cast<std::ptrdiff_t>(written);
    if (std::any_of(now, end, [&](const auto& a) { return a.name == old.name; })) continue;
    out.push_back(retainly::Attribute{std::move(old.name), "null"});
  }
}

}  // namespace cdc::mapping
