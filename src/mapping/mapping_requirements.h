// What a compiled mapping needs from its table, worked out once at load for `check` and
// `preview`: the explicit types per column and the columns read from old row images.
#pragma once

#include "mapping/compiled_mapping.h"

namespace cdc::mapping {

// Fills table.declared_types, table.old_image_columns and table.needs_old_image.
// Old-image reads: before.x anywhere, changed(x), every `where` column (an update is tested
// before and after), and what updates and deletes read from the old row: the customer id
// and on_delete set fields (unless on_delete is ignore), the array's customer and item ids,
// and everything delete events read. needs_old_image is set when that goes beyond the
// customer id and item id columns, which are assumed to be the table's key (a key-only
// old image carries them).
void compute_requirements(CompiledTable& table);

}  // namespace cdc::mapping
