#include <doctest/doctest.h>

#include "pipeline/transaction_deletes.h"

using cdc::pipeline::TransactionDeletes;
using cdc::retainly::Call;
using cdc::retainly::CallKind;

namespace {

Call call(CallKind kind, std::string customer_id, bool follows_row_delete = false) {
  Call made;
  made.kind = kind;
  made.customer_id = std::move(customer_id);
  made.follows_row_delete = follows_row_delete;
  return made;
}

}  // namespace

TEST_CASE("transaction deletes: a cascade's on_delete set does not re-create the customer") {
  TransactionDeletes deletes;
  CHECK(deletes.keep(call(CallKind::kCustomerDelete, "7")));
  // The child row's delete, right after the parent's, in the same transaction; the id
  // may be written as a string or a number.
  CHECK_FALSE(deletes.keep(call(CallKind::kCustomerUpsert, "\"7\"", true)));
  // Other customers and other kinds of calls are not affected.
  CHECK(deletes.keep(call(CallKind::kCustomerUpsert, "8", true)));
  CHECK(deletes.keep(call(CallKind::kArrayDelete, "7")));
  CHECK(deletes.keep(call(CallKind::kEvent, "7")));
}

TEST_CASE("transaction deletes: the next transaction, or a re-insert, sets fields again") {
  TransactionDeletes deletes;
  CHECK(deletes.keep(call(CallKind::kCustomerDelete, "7")));
  deletes.transaction_ended();
  CHECK(deletes.keep(call(CallKind::kCustomerUpsert, "7", true)));

  CHECK(deletes.keep(call(CallKind::kCustomerDelete, "7")));
  CHECK(deletes.keep(call(CallKind::kCustomerUpsert, "7")));  // a row insert re-creates it
  CHECK(deletes.keep(call(CallKind::kCustomerUpsert, "7", true)));
}

TEST_CASE("transaction deletes: an array item upsert re-creates the customer too") {
  // POST /arrays creates a missing customer (the API text), so after it the customer
  // exists again and a later row delete's `set` applies to it.
  TransactionDeletes deletes;
  CHECK(deletes.keep(call(CallKind::kCustomerDelete, "7")));
  CHECK(deletes.keep(call(CallKind::kArrayUpsert, "7")));
  CHECK(deletes.keep(call(CallKind::kCustomerUpsert, "7", true)));
}
