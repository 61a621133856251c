#include "retainly/request_body.h"

#include <cstring>

#include "core/json_string.h"

namespace cdc::retainly {
namespace {

// `,"name":value` for every attribute; `first` drops the leading comma of the first.
void append_attributes(const std::vector<Attribute>& attributes, std::string& out, bool first) {
  for (const Attribute& attribute : attributes) {
    if (!first) out += ',';
    first = false;
    append_json_member(out, attribute.name, attribute.json);
  }
}

char* put(char* at, std::string_view text) {
  std::memcpy(at, text.data(), text.size());
  return at + text.size();
}

void append_customer(const Call& call, std::string& out) {
  // Most of every request body: written through a pointer into room made once, its size
  // known before (member by member, the string's checks and growths cost more than the
  // copies). A name that needs escapes (rare: flattened json keys) takes the slow way.
  constexpr std::string_view kOpen = "{\"id\":";
  size_t size = kOpen.size() + call.customer_id.size() + 1;
  for (const Attribute& attribute : call.attributes) {
    if (!attribute.name.json_plain()) {
      out += kOpen;
      out += call.customer_id;
      append_attributes(call.attributes, out, /*first=*/false);
      out += '}';
      return;
    }
    size += 1 + plain_json_member_size(attribute.name, attribute.json);  // and a comma
  }
  const size_t at = out.size();
  out.resize(at + size);
  char* p = put(out.data() + at, kOpen);
  p = put(p, call.customer_id);
  for (const Attribute& attribute : call.attributes) {
    *p++ = ',';
    p = put_plain_json_member(p, attribute.name, attribute.json);
  }
  *p = '}';
}

void append_array_item(const Call& call, std::string& out) {
  out += "{\"id\":";
  out += call.item_id;
  append_attributes(call.attributes, out, /*first=*/false);
  out += '}';
}

void open_array_record(const Call& call, std::string& out) {
  out += "{\"customer_id\":";
  out += call.customer_id;
  out += ",\"field\":";
  append_json_string(out, call.field);
  out += call.kind == CallKind::kArrayUpsert ? ",\"data\":[" : ",\"ids\":[";
}

void append_array_entry(const Call& call, std::string& out) {
  if (call.kind == CallKind::kArrayUpsert) {
    append_array_item(call, out);
  } else {
    out += call.item_id;
  }
}

void append_event(const Call& call, std::string& out) {
  out += "{\"customer_id\":";
  out += call.customer_id;
  out += ",\"event\":";
  append_json_string(out, call.event_name);
  out += ",\"data\":{";
  append_attributes(call.attributes, out, /*first=*/true);
  out += "}}";
}

bool same_record(const Call& a, const Call& b) {
  return a.customer_id == b.customer_id && a.field == b.field;
}

void write_array_records(std::span<const Call* const> calls, std::string& out,
                         std::vector<size_t>* record_starts) {
  out += "{\"records\":[";
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call& call = *calls[i];
    if (i == 0 || !same_record(*calls[i - 1], call)) {
      if (i != 0) out += "]},";
      if (record_starts != nullptr) record_starts->push_back(i);
      open_array_record(call, out);
    } else {
      out += ',';
    }
    append_array_entry(call, out);
  }
  out += "]}]}";
}

}  // namespace

Endpoint endpoint_of(CallKind kind) {
  switch (kind) {
    case CallKind::kCustomerUpsert:
      return {"POST", "/customers"};
    case CallKind::kCustomerDelete:
      return {"DELETE", "/customers"};
    case CallKind::kArrayUpsert:
      return {"POST", "/arrays"};
    case CallKind::kArrayDelete:
      return {"DELETE", "/arrays"};
    case CallKind::kEvent:
      return {"POST", "/events"};
  }
  return {"POST", "/events"};
}

void write_request_body(std::span<const Call* const> calls, std::string& out,
                        std::vector<size_t>* record_starts) {
  out.clear();
  if (record_starts != nullptr) record_starts->clear();
  if (calls.empty()) return;
  const CallKind kind = calls.front()->kind;
  if (kind == CallKind::kArrayUpsert || kind == CallKind::kArrayDelete) {
    write_array_records(calls, out, record_starts);
    return;
  }
  if (kind == CallKind::kEvent) {
    if (record_starts != nullptr) record_starts->push_back(0);
    append_event(*calls.front(), out);
    return;
  }
  out += kind == CallKind::kCustomerUpsert ? "{\"customers\":[" : "{\"customers_ids\":[";
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i != 0) out += ',';
    if (record_starts != nullptr) record_starts->push_back(i);
    if (kind == CallKind::kCustomerUpsert) {
      append_customer(*calls[i], out);
    } else {
      out += calls[i]->customer_id;
    }
  }
  out += "]}";
}

void append_record(const Call& call, std::string& out) {
  switch (call.kind) {
    case CallKind::kCustomerUpsert:
      append_customer(call, out);
      return;
    case CallKind::kCustomerDelete:
      out += call.customer_id;
      return;
    case CallKind::kArrayUpsert:
    case CallKind::kArrayDelete:
      open_array_record(call, out);
      append_array_entry(call, out);
      out += "]}";
      return;
    case CallKind::kEvent:
      append_event(call, out);
      return;
  }
}

size_t estimated_record_size(const Call& call) {
  // Fixed parts: braces, quotes, commas and the key names of the record's frame.
  size_t size = 48 + call.customer_id.size() + call.item_id.size() + call.field.size() +
                call.event_name.size();
  for (const Attribute& attribute : call.attributes) {
    size += attribute.name.size() + attribute.json.size() + 4;
  }
  return size;
}

SingleCallRequest single_call_request(const Call& call) {
  const Endpoint endpoint = endpoint_of(call.kind);
  SingleCallRequest request{endpoint.method, endpoint.path, {}};
  const Call* calls[] = {&call};
  write_request_body(calls, request.body);
  return request;
}

void append_provenance_members(std::string& out, const Provenance& origin) {
  out += "\"table\":";
  append_json_string(out, origin.table);
  out += ",\"key\":";
  append_json_string(out, origin.key);
  out += ",\"position\":";
  append_json_string(out, origin.position.str());
}

}  // namespace cdc::retainly
