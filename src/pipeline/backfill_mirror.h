// `backfill --mirror`: deletes from Retainly what the last-sent store says we sent for a
// table and the table no longer has (rows deleted while no connector ran). The backfill
// notes every customer and item its rows map to (MirrorSeen); afterwards the store's
// entries of that table that were not seen are the deletes (plan_mirror).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/mapper.h"
#include "retainly/call.h"
#include "state/last_sent_store.h"

namespace cdc::pipeline {

// The customers and items one table's rows mapped to, as 64-bit hashes (a collision can
// only keep a customer that should go, never delete one that should stay).
class MirrorSeen {
 public:
  void saw(const retainly::Call& call);
  // Sorts what was collected; call once, before contains().
  void seal();
  bool has_customer(std::string_view lane) const;
  bool has_item(std::string_view lane, std::string_view field, std::string_view item) const;

 private:
  std::vector<uint64_t> customers_;
  std::vector<uint64_t> items_;
};

struct MirrorLimits {
  // Refuse to delete more than this share of what the store holds of a table.
  double max_delete_share = 0.10;
  bool force = false;
};

struct MirrorPlan {
  std::string table;
  bool customers_mirrored = false;  // on_delete: delete
  bool items_mirrored = false;      // an array mapping
  uint64_t customers_held = 0;      // in the store, from this table
  uint64_t items_held = 0;
  // The delete calls (customer_id, field, item_id filled; sequence 0).
  std::vector<retainly::Call> deletes;
  uint64_t customer_deletes = 0;
  uint64_t item_deletes = 0;
  // Why nothing is deleted, when so (over the share without --force, or rows the mapping
  // refused, whose ids are unknown).
  std::string refused;
};

// What deleting a row of `table` deletes in Retainly, by its mapping: the customer
// (on_delete: delete), the array item. A `set` needs the row, and `ignore` deletes nothing.
struct MirrorKinds {
  bool customers = false;
  bool items = false;
};
MirrorKinds mirror_kinds(const mapping::Mapper& mapper, std::string_view table);

// A customer id as Retainly takes it back from a lane key: numbers as numbers, the rest
// as the JSON string whose inside the lane key is.
std::string customer_id_json(std::string_view lane);

// `tag` is the table's tag in the store; `rejections` how many of its rows the mapping
// refused in this run.
MirrorPlan plan_mirror(state::LastSentStore& store, std::string table, uint16_t tag, bool customers,
                       bool items, const MirrorSeen& seen, uint64_t rejections,
                       const MirrorLimits& limits);

}  // namespace cdc::pipeline
