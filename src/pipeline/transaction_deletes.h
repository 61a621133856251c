// The customers one source transaction has deleted so far, so that a customer upsert
// made by a later row delete in the same transaction (`on_delete: set` of a child table
// whose rows a cascade removes right after the parent) does not re-create the customer.
// Retainly's upsert always creates; only the order of the changes tells a cascade apart.
#pragma once

#include <string>
#include <unordered_set>

#include "retainly/call.h"

namespace cdc::pipeline {

class TransactionDeletes {
 public:
  // False for a call to drop: an upsert made by a row delete for a customer this
  // transaction deleted (and no customer or array upsert re-created since). Every call
  // passes through here in source order.
  bool keep(const retainly::Call& call);
  // Forgets the transaction's deletes; call at every transaction end.
  void transaction_ended() { deleted_.clear(); }

 private:
  std::unordered_set<std::string> deleted_;  // lane keys
};

}  // namespace cdc::pipeline
