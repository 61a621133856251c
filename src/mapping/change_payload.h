// The dead-letter payload of a rejected change: the row images as the mapping saw them.
#pragma once

#include <string>

#include "core/row_change.h"
#include "mapping/time_zone.h"

namespace cdc::mapping {

// {"op":"update","before":{"id":1,...},"after":{...}}: columns by name, values in their
// default JSON form (objects and overlong strings kept as they are, as this is for people,
// not for Retainly); Unchanged columns left out, images the change lacks left out.
std::string change_payload(const RowChange& change, const TimeZone& zone);

}  // namespace cdc::mapping
