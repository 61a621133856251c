// Reads column values out of one change's row images for the mapping, telling a known
// value (possibly NULL) apart from one the source did not send.
#pragma once

#include <span>

#include "core/row_change.h"
#include "mapping/column_ref.h"

namespace cdc::mapping {

// Three-valued truth: kUnknown when an expression needs a value the source did not send.
enum class Truth { kFalse, kTrue, kUnknown };

class RowView {
 public:
  // `slot_index` maps the mapping's column slots to indexes in the change's schema; every
  // entry must be a valid column index (missing columns are rejected before). With
  // `current_is_before`, bare column names read the old image (row deletes, and updates
  // that leave the mapping's `where`). Both must outlive the view.
  RowView(const RowChange& change, std::span<const int> slot_index, bool current_is_before);

  // The value of a column, or nullptr when it is unknown:
  // - an image the operation does not have (before of an insert, after of a delete)
  //   reads as NULL everywhere;
  // - an image the source did not send (an update's old image without REPLICA IDENTITY
  //   FULL), or a column left Unchanged in it, is unknown; but an update sent without any
  //   old image kept its key (RowChange::before), so the old key columns read the new ones;
  // - an Unchanged column of the new image reads as the old image's value, which it
  //   equals by definition, when the old image has it; else it is unknown.
  const Value* read(ColumnRef ref) const;

  // changed(col): true when the value differs between the old and new image; true when
  // the operation has only one image; false when the new image leaves it Unchanged;
  // unknown when the old image was not sent.
  Truth changed(uint32_t slot) const;

  // From now on the view reads as if the change had no old image, as an insert: for an
  // update that enters the mapping's `where`, which counts as one.
  void read_as_insert() { before_exists_ = false; }

 private:
  // before.x: NULL when the view reads as if there were no old image, else old_value().
  const Value* before_value(size_t index) const;
  // The old image's value, or nullptr when not sent.
  const Value* old_value(size_t index) const;
  // The old value of a key column of an update sent without an old image: the new value.
  const Value* kept_key(size_t index) const;

  const RowChange* change_;
  std::span<const int> slot_index_;
  bool current_is_before_;
  bool before_exists_;
  bool after_exists_;
};

}  // namespace cdc::mapping
