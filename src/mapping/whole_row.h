// Which updates a mapping cannot map right from what the source sent: PostgreSQL leaves
// unchanged TOASTed values out of an update's new row, and under the default replica
// identity nothing else carries them. Field writers leave such values out, which suits a
// customer upsert (Retainly merges it into the customer it has) but not an array item
// (Retainly replaces it whole), a customer new to Retainly (an id change), or a condition
// that then cannot be decided. The pipeline reads those rows again (core/row_fetcher.h).
// Pure.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/row_change.h"
#include "mapping/compiled_mapping.h"

namespace cdc::mapping {

// A mapping's column reads by role, as indexes into one schema's columns; worked out once
// per schema (Mapper's resolution), so that the check per change looks nothing up by name.
struct WholeRowColumns {
  // Needed whatever the ids do: array item fields and ids, customer and event ids, the
  // `where`, events' `when` (outside changed()) and data.
  std::vector<int> always;
  // Customer fields and on_delete set fields: needed when the customer may be new to
  // Retainly, i.e. its id is not provably unchanged.
  std::vector<int> customer_fields;
  // The columns the customer id reads.
  std::vector<int> customer_id;
  // Every column the mapping reads, sorted, each once: what a re-read row must give.
  std::vector<size_t> read;
};

// `slot_index`: the mapping's column slots as the schema's indexes, all valid.
WholeRowColumns whole_row_columns(const CompiledTable& table, std::span<const int> slot_index);

// Whether the update leaves out (Unchanged in `after`, and not in a sent `before`) a value
// that `columns` says the mapping needs. A customer id is provably unchanged when every
// column it reads is known in both images and equal there, or is a key column of an update
// sent without an old image (RowChange::before). False for other operations.
bool needs_whole_row(const WholeRowColumns& columns, const RowChange& change);

// Whether any value of the row is Unchanged: the quick test before anything is resolved.
bool has_unchanged(const Row& row);

}  // namespace cdc::mapping
