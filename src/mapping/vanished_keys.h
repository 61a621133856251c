// Flattened json keys that an update took away. Retainly merges customer fields, so a key
// the new value no longer has (or all of them, when the column became NULL) would stay on
// the customer unless it is sent as null.
#pragma once

#include <cstddef>
#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/row_view.h"
#include "mapping/write_context.h"
#include "retainly/call.h"

namespace cdc::mapping {

// For a flattened field that has just written out[first..] over the new image: appends
// {name, null} for every name it writes over `old_view` that it did not write now. Nothing
// when the old value is unknown (not sent) or cannot be mapped. `scratch` is working space.
// ctx.error may be overwritten.
void append_vanished_keys(const Field& field, const RowView& old_view, size_t first,
                          WriteContext& ctx, std::vector<retainly::Attribute>& scratch,
                          std::vector<retainly::Attribute>& out);

}  // namespace cdc::mapping
