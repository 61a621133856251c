// A TRUNCATE of a mapped table, mirrored exactly: pgoutput says the table was emptied but
// names no row, so the last-sent store says what the table had sent. The deletes are what
// deleting each row would have sent: the customers of a mapping with `on_delete: delete`
// and the items of an array mapping. `on_delete: set` needs each row's values and
// `ignore` deletes nothing, so those send nothing; no delete events fire.
#pragma once

#include <string>
#include <vector>

#include "mapping/mapper.h"
#include "pipeline/changed_filter.h"
#include "retainly/call.h"

namespace cdc::pipeline {

// The delete calls (sequence 0; provenance: `table`, key "truncate", `position`), for
// what the store holds and what calls still pending carry. Empty when the mapping
// deletes nothing.
std::vector<retainly::Call> truncate_deletes(ChangedFilter& filter, const mapping::Mapper& mapper,
                                             const std::string& table, uint16_t tag,
                                             const std::string& position);

}  // namespace cdc::pipeline
