// "Sending only what changed", the part the change itself proves: an update's old image,
// mapped like the new one, shows which attributes Retainly already holds. Pure helpers for
// the change mapper; the rules are in mappings/README.md.
#pragma once

#include <cstdint>
#include <vector>

#include "mapping/compiled_mapping.h"
#include "mapping/row_view.h"
#include "mapping/write_context.h"
#include "retainly/call.h"

namespace cdc::mapping {

// One target's attributes with the range each field wrote: field i wrote
// attributes [ends[i-1], ends[i]) (from 0 for i = 0). A field whose value is unknown
// wrote nothing.
struct FieldAttributes {
  std::vector<retainly::Attribute> attributes;
  std::vector<uint32_t> ends;

  void clear() {
    attributes.clear();
    ends.clear();
  }
};

// Maps `fields` over the old image into `out` (cleared first), quietly: a value Retainly
// would refuse, or a field that names an image itself (`before.x`, `after.x`, in a
// column or a template, whose old-image mapping would not be what Retainly got), writes
// nothing, so that the new value is sent. `old_view` reads the old image for bare column
// names. ctx.placement must be set; ctx.error may be overwritten.
void map_old_image(const std::vector<Field>& fields, const RowView& old_view, WriteContext& ctx,
                   FieldAttributes& out);

// For each attribute of `now`, whether the same field wrote the same name with the same
// JSON in `old` (unchanged[k] != 0). `now.ends` and `old.ends` cover the same fields.
// Returns the number of unchanged attributes.
size_t mark_unchanged(const FieldAttributes& now, const FieldAttributes& old,
                      std::vector<char>& unchanged);

}  // namespace cdc::mapping
