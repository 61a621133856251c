// What a compiled mapping needs from its table, worked out once at load for `check`,
// `run` and `scaffold`: the explicit types per column, the columns read from old row
// images, and the reads that only complete row images serve.
#pragma once

#include "mapping/compiled_mapping.h"

namespace cdc::mapping {

// Fills table.declared_types, table.old_image_columns, table.old_row_reads and
// table.new_row_reads.
//
// old_image_columns: before.x anywhere, changed(x), every `where` column (an update is
// tested before and after), and what updates and deletes read from the old row: the
// customer id and on_delete set fields (unless on_delete is ignore), the array's customer
// and item ids, and everything delete events read.
//
// old_row_reads: the old-row reads that stay wrong when the old row lacks the column (the
// re-read of the current row and the last-sent store put the rest right):
//  - before.x anywhere, changed(x);
//  - the customer id when on_delete is not ignore, the array's customer_id and item_id (a
//    delete, or a change of the id, names the old one);
//  - columns of on_delete: set (constants need nothing);
//  - what delete events read (when, customer_id, data);
//  - `where` columns, only when the table has events: entering or leaving the filter
//    decides insert, update and delete events. Without events a `where` needs no old row.
// new_row_reads: the new-row reads that decide or name a call, or make an array item
// (which Retainly replaces whole), for sources that may leave unchanged columns out of
// new rows without a re-read (MySQL MINIMAL, NOBLOB): the `where`, the customer id, the
// array's ids and fields, and when and customer_id of insert and update events.
void compute_requirements(CompiledTable& table);

}  // namespace cdc::mapping
