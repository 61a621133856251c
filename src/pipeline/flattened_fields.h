// The ChangedFilter's view of a mapped table's flattened customer fields.
#pragma once

#include <string_view>

#include "mapping/mapper.h"
#include "pipeline/changed_filter.h"

namespace cdc::pipeline {

// The name prefixes of `table`'s flattened customer fields, in field order (Call::
// flattened's bits), and its other customer field names; empty for an unmapped table or one
// that flattens nothing.
FlattenedFields flattened_fields(const mapping::Mapper& mapper, std::string_view table);

}  // namespace cdc::pipeline
