// `run --dry-run`: stream and map, but print each call instead of sending it.
#pragma once

#include <atomic>
#include <ostream>

#include "core/change_source.h"
#include "mapping/mapper.h"
#include "pipeline/changed_filter.h"
#include "retainly/call.h"

namespace cdc::pipeline {

// One call as a JSON line: {"method","path","body","table","key","position"}; the body is
// exactly what the sink would send for this call alone.
std::string call_to_json_line(const retainly::Call& call);

// One rejection as a JSON line: {"rejected":reason,"table","key","position"}.
std::string rejection_to_json_line(const mapping::Rejection& rejection);

// One skip as a JSON line: {"skipped":reason,"call":kind,"customer_id",["field","item_id",]
// "fields":[names],"whole_call","table","key","position"}. customer_id and item_id are
// the ids' JSON, as in the call's body.
std::string skip_to_json_line(const mapping::Skip& skip);

// Runs the calls of `output` through `filter` as they would be sent (nothing is
// remembered): calls it would not make leave output.calls, and what it leaves out is added
// to output.skips as "same as last acknowledged send". For dry runs and previews.
void apply_last_sent(mapping::MappingOutput& output, const mapping::Mapper& mapper,
                     ChangedFilter& filter);

// Reads from `source` until `stop`, printing every call, rejection and skip to `out`, and
// acknowledges each transaction once printed. `source` must be read-only
// (make_source(..., read_only = true)), so that nothing durable moves. With `filter` (over
// a read-only last-sent store), calls are shown as that store would let them go, and what
// it leaves out as skips "same as last acknowledged send"; as nothing is sent, each call
// is compared with the store alone, not with the calls printed before it.
void run_dry(ChangeSource& source, const mapping::Mapper& mapper, const std::atomic<bool>& stop,
             std::ostream& out, ChangedFilter* filter = nullptr);

}  // namespace cdc::pipeline
