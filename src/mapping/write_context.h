// Settings and scratch space shared by the value writers during one map() call.
#pragma once

#include <string>

#include "mapping/mapping_options.h"
#include "mapping/time_zone.h"

namespace cdc::mapping {

// Where a value goes decides how deep arrays may nest (retainly-api-docs.txt: "Array
// items could have only 1 nesting layer of arrays in the attribute value").
enum class Placement {
  kAttribute,  // customer field or event data: arrays of scalars or of objects whose
               // values may be one more layer of arrays
  kArrayItem,  // field of a customer array item: arrays of scalars or flat objects
};

struct WriteContext {
  const TimeZone* zone = nullptr;
  StringPolicy string_policy = StringPolicy::kTruncate;
  bool decimal_as_string = false;
  Placement placement = Placement::kAttribute;
  // Why the last writer returned false: a value Retainly would refuse.
  std::string error;
  // Scratch for text built before it is escaped; writers clear it before use.
  std::string text;
};

}  // namespace cdc::mapping
