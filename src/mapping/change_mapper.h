// The mapping of one change for one table: the `where` decides what the change means
// for Retainly (an update can enter or leave the filter), then the customer, array and
// event targets each add their calls. Pure: no I/O, no shared state.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/row_change.h"
#include "mapping/compiled_mapping.h"
#include "mapping/mapping_output.h"

namespace cdc::mapping {

// Appends the calls and rejections for `change` to `out`, provenance filled, sequence 0.
// `slot_index` maps `table.columns` to the change's schema columns, all present;
// `key_columns` are the schema's key columns (key_columns()). With `whole`, nothing is
// left out as unchanged (as under `send: all`).
// REQUIRES: change.table is set and change.op is not kTruncate.
void map_change(const CompiledTable& table, std::span<const int> slot_index,
                std::span<const int> key_columns, const RowChange& change, MappingOutput& out,
                bool whole = false);

// The indexes of the schema's key columns, in column order: taken once per schema, since
// provenance_key() is written for every change and tables are often wide.
std::vector<int> key_columns(const TableSchema& schema);

// The provenance key of a change: "id=42" (or "a=1,b=x") from the schema's key columns
// (`key_columns`, as key_columns() gives them) in the row's current image; empty when
// the schema marks no key.
std::string provenance_key(const RowChange& change, std::span<const int> key_columns,
                           const TimeZone& zone);

}  // namespace cdc::mapping
