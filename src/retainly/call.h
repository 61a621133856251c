// Call: one unit of work for the Retainly API, as the mapping produces it and the sink
// batches and sends it. Knows nothing of databases beyond the provenance strings.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "retainly/name.h"

namespace cdc::retainly {

enum class CallKind {
  kCustomerUpsert,  // POST /customers, one object in "customers"
  kCustomerDelete,  // DELETE /customers, one id in "customers_ids"
  kArrayUpsert,     // POST /arrays, one item in a record's "data"
  kArrayDelete,     // DELETE /arrays, one id in a record's "ids"
  kEvent,           // POST /events, one request per event
};

const char* to_string(CallKind kind);

// One attribute with its value already serialized as JSON text (`42`, `"a\"b"`,
// `["x","y"]`, `null`), ready to be pasted into a request body without re-encoding.
struct Attribute {
  Name name;
  std::string json;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// A provenance position's text (to_string(Position)), kept in two parts that only what
// prints it puts together: the text up to the change's index, which the changes of one
// transaction share (formatted once), and the index. Formatting the whole text for every
// call cost about 330 instructions and an allocation a row, for text only dead letters
// and logs print. A prefix of up to kInlineBytes (every PostgreSQL one, a MySQL one under
// binlog file names of up to 21 characters) is copied into the call: shared, it was an
// allocation per transaction, and for every call an atomic count taken on the mapping's
// thread and dropped on the sink's. A longer one is shared.
class PositionText {
 public:
  static constexpr size_t kInlineBytes = 38;

  PositionText() = default;
  // The whole text, as printed ("backfill --mirror", a dead letter's read back).
  // Implicit, so that provenance is still written as three strings.
  PositionText(std::string whole);  // NOLINT(google-explicit-constructor)
  PositionText(const char* whole);  // NOLINT(google-explicit-constructor)
  // "<prefix>:<index>". `shared`: the same text as `prefix`, held by the caller for a
  // prefix longer than kInlineBytes, so that the calls of a transaction share one copy
  // (nullptr: a longer prefix is copied once more here).
  PositionText(std::string_view prefix, const std::shared_ptr<const std::string>& shared,
               uint32_t index);

  std::string str() const;
  friend bool operator==(const PositionText& a, const PositionText& b) {
    return a.str() == b.str();
  }

 private:
  void set_text(std::string_view text, const std::shared_ptr<const std::string>& shared);
  std::string_view text() const {
    return inline_size_ > 0
               ? std::string_view(reinterpret_cast<const char*>(inline_.data()), inline_size_)
           : shared_ ? std::string_view(*shared_)
                     : std::string_view();
  }

  std::shared_ptr<const std::string> shared_;  // the text, when not inline
  // The text, when it fits: the first inline_size_ bytes. Left uninitialised past them (a
  // call is built per row); unsigned char, which may be copied so.
  std::array<unsigned char, kInlineBytes> inline_;
  uint8_t inline_size_ = 0;
  bool indexed_ = false;
  uint32_t index_ = 0;
};

// Where a call came from, for dead letters and logs. Never holds secrets.
struct Provenance {
  Name table;             // "public.users"; a mapping's tables are interned
  std::string key;        // the row's key, printable ("id=42")
  PositionText position;  // to_string(Position)
  friend bool operator==(const Provenance&, const Provenance&) = default;
};

struct Call {
  CallKind kind = CallKind::kCustomerUpsert;
  // Assigned by the pipeline, strictly increasing in source order. The sink's watermark
  // is expressed in these.
  uint64_t sequence = 0;
  // The customer id as JSON text: `42` or `"abc"` (Retainly ids are "mixed").
  std::string customer_id;
  // Array calls: the customer array field ("purchases").
  std::string field;
  // Array calls: the item id as JSON text; always sent so retries never duplicate.
  std::string item_id;
  // Events: the event name.
  std::string event_name;
  // Customer upserts: the fields (without "id"). Array upserts: the item's fields
  // (without "id"). Events: the data object's fields. Empty for deletes.
  std::vector<Attribute> attributes;
  Provenance origin;
  // A customer upsert made by a row delete (`on_delete: set`). It only makes sense for a
  // customer that still exists, so the pipeline drops it when the same transaction
  // already deleted that customer: a cascade (users -> subscriptions) must not re-create
  // the customer it just deleted. Never sent.
  bool follows_row_delete = false;
  // A customer delete or `on_delete: set` of a row whose `where` could not be tested on the
  // old image (not sent): the row may never have been sent. The pipeline sends it only when
  // it knows the source table sent that customer (the last-sent store's presence stamp),
  // so a row outside the filter neither creates nor deletes a customer. Never sent.
  bool only_if_sent = false;
  // Customer upserts: bit i is set when the table's i-th flattened field (`flatten:`, in
  // field order; the first 16) was written from a known value while the previous value was
  // not seen (an update without the old image, a backfill row). The pipeline then sends as
  // null the keys that field sent before and this call lacks, which the last-sent store
  // knows. Never sent.
  uint16_t flattened = 0;

  friend bool operator==(const Call&, const Call&) = default;
};

// The lane a call belongs to: the customer id with JSON string quotes removed, so that
// 1 and "1" (the same Retainly customer) share a lane and keep their relative order.
std::string lane_key(std::string_view customer_id_json);

}  // namespace cdc::retainly
