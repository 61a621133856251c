#include "pipeline/transaction_deletes.h"

namespace cdc::pipeline {

bool TransactionDeletes::keep(const retainly::Call& call) {
  using retainly::CallKind;
  if (call.kind == CallKind::kCustomerDelete) {
    deleted_.insert(retainly::lane_key(call.customer_id));
    return true;
  }
  const bool creates =
      call.kind == CallKind::kCustomerUpsert || call.kind == CallKind::kArrayUpsert;
  if (!creates || deleted_.empty()) return true;
  auto it = deleted_.find(retainly::lane_key(call.customer_id));
  if (it == deleted_.end()) return true;
  if (call.follows_row_delete) return false;
  // A row insert or update re-creates the customer (POST /arrays creates a missing one
  // too); later deletes of other rows set fields on it as usual.
  deleted_.erase(it);
  return true;
}

}  // namespace cdc::pipeline
