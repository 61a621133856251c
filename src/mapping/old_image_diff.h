// "Sending only what changed", the part the change itself proves: an update's old image,
// mapped like the new one, shows which attributes Retainly already holds. Pure helpers for
// the change mapper; the rules are in mappings/README.md.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/row_view.h"
#include "mapping/write_context.h"
#include "retainly/call.h"

namespace cdc::mapping {

// One target's old-image attributes with the range each field wrote: field i wrote
// attributes [ends[i-1], ends[i]) (from 0 for i = 0). A field whose old value is unknown
// wrote nothing. same[i] != 0: field i reads the very same values in both images, so its
// attributes are unchanged without having been mapped (its range is empty).
struct FieldAttributes {
  std::vector<retainly::Attribute> attributes;
  std::vector<uint32_t> ends;
  std::vector<char> same;

  void clear() {
    attributes.clear();
    ends.clear();
    same.clear();
  }
};

// Maps `fields` over the old image into `out` (cleared first), quietly: a value Retainly
// would refuse, or a field that names an image itself (`before.x`, `after.x`, in a
// column or a template, whose old-image mapping would not be what Retainly got), writes
// nothing, so that the new value is sent. A field whose columns hold identical values in
// `old_view` and `new_view` (and a constant) is marked same instead of mapped: mapping is
// a function of the values. `old_view` and `new_view` read the old and the new image for
// bare column names. ctx.placement must be set; ctx.error may be overwritten.
void map_old_image(const std::vector<Field>& fields, const RowView& old_view,
                   const RowView& new_view, WriteContext& ctx, FieldAttributes& out);

struct OldImageMatch {
  size_t count = 0;     // attributes of `now` that are unchanged
  bool others = false;  // the old image has attributes `now` lacks (a flattened key)
};

// For each attribute of `now` (written with the ranges `now_ends`, as FieldAttributes),
// whether its field is the same in `old`, or wrote the same name with the same JSON there
// (unchanged[k] != 0). `now_ends` and `old.ends` cover the same fields.
OldImageMatch mark_unchanged(std::span<const retainly::Attribute> now,
                             std::span<const uint32_t> now_ends, const FieldAttributes& old,
                             std::vector<char>& unchanged);

}  // namespace cdc::mapping
