#include "pipeline/truncate_deletes.h"

#include <set>
#include <tuple>

#include "pipeline/backfill_mirror.h"

namespace cdc::pipeline {

std::vector<retainly::Call> truncate_deletes(ChangedFilter& filter, const mapping::Mapper& mapper,
                                             const std::string& table, uint16_t tag,
                                             const std::string& position) {
  const MirrorKinds kinds = mirror_kinds(mapper, table);
  if (!kinds.customers && !kinds.items) return {};
  // Sorted and without repeats: a customer both stored and pending is deleted once.
  std::set<std::string> customers;
  std::set<std::tuple<std::string, std::string, std::string>> items;
  auto add_item = [&](std::string_view customer, std::string_view field, std::string_view item) {
    items.emplace(customer, field, item);
  };
  filter.pending_of(
      tag, [&](std::string_view customer) { customers.emplace(customer); }, add_item);
  if (kinds.customers) {
    filter.store().customers_of(tag,
                                [&](std::string_view customer) { customers.emplace(customer); });
  } else {
    customers.clear();
  }
  if (kinds.items) {
    filter.store().items_of(tag, add_item);
  } else {
    items.clear();
  }
  std::vector<retainly::Call> calls;
  const retainly::Provenance origin{table, "truncate", position};
  for (const auto& [customer, field, item] : items) {
    // Deleting the customer deletes its arrays too.
    if (customers.contains(customer)) continue;
    retainly::Call& call = calls.emplace_back();
    call.kind = retainly::CallKind::kArrayDelete;
    call.customer_id = customer_id_json(customer);
    call.field = field;
    call.item_id = item;
    call.origin = origin;
  }
  for (const auto& customer : customers) {
    retainly::Call& call = calls.emplace_back();
    call.kind = retainly::CallKind::kCustomerDelete;
    call.customer_id = customer_id_json(customer);
    call.origin = origin;
  }
  return calls;
}

}  // namespace cdc::pipeline
