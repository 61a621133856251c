// Request bodies of the Retainly API (retainly-api-docs.txt), written from Calls straight
// into a caller's reused buffer. Attribute values are pasted as the JSON text the mapping
// produced; names and strings are JSON-escaped. No validation: limits are checked before
// (mapping) and after (Retainly's 422).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/json_string.h"
#include "retainly/call.h"

namespace cdc::retainly {

inline constexpr size_t kCallKindCount = 5;

// Where a kind of call is sent: one endpoint per kind.
struct Endpoint {
  const char* method;  // "POST" or "DELETE"
  const char* path;    // "/customers", "/arrays" or "/events"
};
Endpoint endpoint_of(CallKind kind);

// Replaces the content of `out` (its capacity is kept) with the body of one request
// carrying `calls`, in order:
//   customer upserts  {"customers":[{"id":<id>,<attributes>},...]}
//   customer deletes  {"customers_ids":[<id>,...]}
//   array upserts     {"records":[{"customer_id":<id>,"field":"f","data":[{"id":<item>,
//                     <attributes>},...]},...]}
//   array deletes     {"records":[{"customer_id":<id>,"field":"f","ids":[<item>,...]},...]}
//   event             {"customer_id":<id>,"event":"name","data":{<attributes>}}
// Array calls that follow each other with the same customer id text and field share one
// record, so callers that want one record per customer and field pass those calls
// adjacent. If `record_starts` is given it receives, per record of the body, the index in
// `calls` of the record's first call (the record's items are the calls up to the next
// start), which maps the record indexes of a 422 answer back to calls.
// REQUIRES: `calls` is not empty and all of one kind; exactly one call for kEvent.
void write_request_body(std::span<const Call* const> calls, std::string& out,
                        std::vector<size_t>* record_starts = nullptr);

// Appends what `call` alone contributes to a body: the customer object, the customer id,
// the array record with its one item or id, or the whole event body. This is the
// dead-letter payload; parse_record() reads it back.
void append_record(const Call& call, std::string& out);

// About the bytes `call` adds to a body; cheap, for batch size limits (escaping in names
// can make the real size a little larger).
size_t estimated_record_size(const Call& call);

// The request `call` would make if sent alone, as `preview` and `run --dry-run` show it.
struct SingleCallRequest {
  const char* method;
  const char* path;
  std::string body;
};
SingleCallRequest single_call_request(const Call& call);

// Appends `"table":…,"key":…,"position":…` (no braces): where a call or rejection came
// from, as dry-run lines and dead letters print it.
void append_provenance_members(std::string& out, const Provenance& origin);

}  // namespace cdc::retainly
