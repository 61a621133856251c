// What mapping one change produces: calls for the sink, rejections for the dead-letter
// file (values Retainly would refuse, missing columns or images), and skips: calls or
// fields left out because Retainly already holds them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mapping/position_texts.h"
#include "retainly/call.h"
#include "retainly/call_memory.h"

namespace cdc::mapping {

struct Rejection {
  std::string reason;
  // JSON text of the change as the mapping saw it: {"op":..,"before":{..},"after":{..}}.
  std::string payload;
  retainly::Provenance origin;
};

// Why a call or some of its fields were not sent.
enum class SkipReason {
  // The change's own old image maps to the same value (mappings/README.md, "Sending only
  // what changed").
  kOldImage,
  // The last call Retainly acknowledged from us sent the same value (the last-sent store).
  kLastSent,
};

inline const char* to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::kOldImage:
      return "unchanged in this change's old image";
    case SkipReason::kLastSent:
      return "same as last acknowledged send";
  }
  return "unknown";
}

// A call not made (`whole_call`), or the fields left out of a call that is made.
struct Skip {
  SkipReason reason = SkipReason::kOldImage;
  retainly::CallKind kind = retainly::CallKind::kCustomerUpsert;
  std::string customer_id;  // JSON text, as in Call
  std::string field;        // array calls: the customer array field
  std::string item_id;      // array calls: the item id as JSON text
  // The attributes left out, with the JSON they would have sent: every attribute of the
  // call when `whole_call`. The JSON lets a later filter that knows Retainly lacks one
  // (the last-sent store, after a dead letter) put it back.
  std::vector<retainly::Attribute> fields;
  bool whole_call = false;
  retainly::Provenance origin;
};

// What Retainly holds from us, customer by customer, as something other than the mapping
// knows it (the last-sent store). A customer it knows has every field of its upsert decided
// there, stamp against value, with the answer the old image would give where the two
// overlap (mappings/README.md, "Sending only what changed"): the mapping then leaves the
// update's old image unmapped and sends every field for it to judge.
class KnownCustomers {
 public:
  virtual ~KnownCustomers() = default;
  // Whether the customer `customer_id` (JSON text, as in Call) is known for the change's
  // table.
  virtual bool knows(std::string_view customer_id) = 0;
};

// Reused across changes by the caller: map() only appends, clear() empties it.
struct MappingOutput {
  std::vector<retainly::Call> calls;
  std::vector<Rejection> rejections;
  std::vector<Skip> skips;
  // The positions' texts for their provenance; kept by clear(), for the next change of
  // the same transaction.
  PositionTexts positions;
  // Where new calls' attribute lists come from: the caller's, fed with the lists of calls
  // the sink is done with (retainly::CallMemory); nullptr: allocated. Kept by clear().
  retainly::CallMemory* memory = nullptr;
  // Set by the caller for the change it maps, or nullptr: the old image decides alone.
  // Kept by clear().
  KnownCustomers* known_customers = nullptr;

  void clear() {
    calls.clear();
    rejections.clear();
    skips.clear();
  }
};

}  // namespace cdc::mapping
