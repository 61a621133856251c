// Short ways to write the Calls a test feeds the sink.
#pragma once

#include <string>
#include <vector>

#include "retainly/call.h"

namespace cdc::sink::testing {

inline retainly::Call upsert(std::string id, std::vector<retainly::Attribute> attributes = {}) {
  retainly::Call call;
  call.kind = retainly::CallKind::kCustomerUpsert;
  call.customer_id = std::move(id);
  call.attributes = std::move(attributes);
  call.origin = {"public.users", "id=" + call.customer_id, "pg:0/1:0"};
  return call;
}

inline retainly::Call deletion(std::string id) {
  retainly::Call call = upsert(std::move(id));
  call.kind = retainly::CallKind::kCustomerDelete;
  return call;
}

inline retainly::Call array_item(std::string id, std::string field, std::string item,
                                 std::vector<retainly::Attribute> attributes = {}) {
  retainly::Call call;
  call.kind = retainly::CallKind::kArrayUpsert;
  call.customer_id = std::move(id);
  call.field = std::move(field);
  call.item_id = std::move(item);
  call.attributes = std::move(attributes);
  call.origin = {"public.orders", "id=" + call.item_id, "pg:0/1:0"};
  return call;
}

inline retainly::Call array_removal(std::string id, std::string field, std::string item) {
  retainly::Call call = array_item(std::move(id), std::move(field), std::move(item));
  call.kind = retainly::CallKind::kArrayDelete;
  return call;
}

inline retainly::Call event(std::string id, std::string name,
                            std::vector<retainly::Attribute> data = {}) {
  retainly::Call call;
  call.kind = retainly::CallKind::kEvent;
  call.customer_id = std::move(id);
  call.event_name = std::move(name);
  call.attributes = std::move(data);
  call.origin = {"public.users", "id=" + call.customer_id, "pg:0/1:0"};
  return call;
}

}  // namespace cdc::sink::testing
