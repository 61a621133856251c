#include "pipeline/backfill_mirror.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>

#include "mapping/compiled_mapping.h"

namespace cdc::pipeline {
namespace {

uint64_t hash_of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t item_hash(std::string_view lane, std::string_view field, std::string_view item) {
  return hash_of(state::item_key(lane, field, item));
}

}  // namespace

std::string customer_id_json(std::string_view lane) {
  const bool number =
      !lane.empty() &&
      std::all_of(lane.begin(), lane.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      (lane.size() == 1 || lane.front() != '0') && lane.size() <= 15;
  if (number) return std::string(lane);
  return "\"" + std::string(lane) + "\"";
}

MirrorKinds mirror_kinds(const mapping::Mapper& mapper, std::string_view table) {
  MirrorKinds kinds;
  for (const auto& mapping : mapper.mappings()) {
    const auto& compiled = mapping.compiled();
    if (compiled.qualified_table != table) continue;
    kinds.customers =
        compiled.customer && compiled.customer->on_delete == mapping::DeleteAction::kDelete;
    kinds.items = compiled.array.has_value();
  }
  return kinds;
}

void MirrorSeen::saw(const retainly::Call& call) {
  const std::string lane = retainly::lane_key(call.customer_id);
  if (call.kind == retainly::CallKind::kCustomerUpsert && !call.follows_row_delete) {
    customers_.push_back(hash_of(lane));
  } else if (call.kind == retainly::CallKind::kArrayUpsert) {
    items_.push_back(item_hash(lane, call.field, call.item_id));
  }
}

void MirrorSeen::seal() {
  for (auto* hashes : {&customers_, &items_}) {
    std::sort(hashes->begin(), hashes->end());
    hashes->erase(std::unique(hashes->begin(), hashes->end()), hashes->end());
  }
}

bool MirrorSeen::has_customer(std::string_view lane) const {
  return std::binary_search(customers_.begin(), customers_.end(), hash_of(lane));
}

bool MirrorSeen::has_item(std::string_view lane, std::string_view field,
                          std::string_view item) const {
  return std::binary_search(items_.begin(), items_.end(), item_hash(lane, field, item));
}

MirrorPlan plan_mirror(state::LastSentStore& store, std::string table, uint16_t tag, bool customers,
                       bool items, const MirrorSeen& seen, uint64_t rejections,
                       const MirrorLimits& limits) {
  MirrorPlan plan;
  plan.table = std::move(table);
  plan.customers_mirrored = customers;
  plan.items_mirrored = items;
  if (customers) {
    store.customers_of(tag, [&](std::string_view lane) {
      ++plan.customers_held;
      if (seen.has_customer(lane)) return;
      retainly::Call& call = plan.deletes.emplace_back();
      call.kind = retainly::CallKind::kCustomerDelete;
      call.customer_id = customer_id_json(lane);
      call.origin = {plan.table, "mirror", "backfill --mirror"};
      ++plan.customer_deletes;
    });
  }
  if (items) {
    store.items_of(tag, [&](std::string_view lane, std::string_view field, std::string_view item) {
      ++plan.items_held;
      if (seen.has_item(lane, field, item)) return;
      retainly::Call& call = plan.deletes.emplace_back();
      call.kind = retainly::CallKind::kArrayDelete;
      call.customer_id = customer_id_json(lane);
      call.field = std::string(field);
      call.item_id = std::string(item);
      call.origin = {plan.table, "mirror", "backfill --mirror"};
      ++plan.item_deletes;
    });
  }
  const auto over = [&](uint64_t deletes, uint64_t held) {
    return held > 0 &&
           static_cast<double>(deletes) > limits.max_delete_share * static_cast<double>(held);
  };
  if (rejections > 0 && !limits.force) {
    plan.refused = std::to_string(rejections) +
                   " row(s) were refused by the mapping, so their customers and items are "
                   "unknown; fix them (see the dead letters) or pass --force";
  } else if (!limits.force && (over(plan.customer_deletes, plan.customers_held) ||
                               over(plan.item_deletes, plan.items_held))) {
    plan.refused = "would delete " + std::to_string(plan.customer_deletes) + " of " +
                   std::to_string(plan.customers_held) + " customers and " +
                   std::to_string(plan.item_deletes) + " of " + std::to_string(plan.items_held) +
                   " items, more than the limit of " +
                   std::to_string(static_cast<int>(std::lround(limits.max_delete_share * 100))) +
                   "% (an empty or wrong table?); pass --force if that is right";
  }
  return plan;
}

}  // namespace cdc::pipeline
