// Validation of the bodies of the five Retainly API requests, by the published rules
// (retainly-api-docs.txt) and PRODUCT.md's settled ambiguities. Pure functions: a parsed
// body in, the list of errors out; an empty list means the request may be applied.
//
// Customers and arrays endpoints answer 422 with {"detail": [DetailError...]} holding
// one entry per invalid record (its first problem, `loc` naming the record's index), or
// a single entry when the request as a whole is malformed. The events endpoint answers
// 422 with {"errors": {"<field>": ["message", ...]}}.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cdc::mock {

inline constexpr size_t kMaxRecords = 10000;
// Every key of a customer object counts, "id" included.
inline constexpr size_t kMaxCustomerFields = 500;
inline constexpr size_t kMaxArrayAttributes = 15;
inline constexpr size_t kMaxEventNameChars = 50;
inline constexpr size_t kMaxEventDataFields = 50;

// One entry of a 422 "detail" list: loc is ["body", "customers", 3, "email"].
struct DetailError {
  nlohmann::json loc;
  std::string msg;
  std::string type;
};

// Field name ("event", "customer_id", "data", "data.<key>") to its messages.
using EventErrors = std::map<std::string, std::vector<std::string>>;

// POST /customers {"customers": [{"id": ..., ...}, ...]}
std::vector<DetailError> validate_customers(const nlohmann::json& body);

// POST /arrays {"records": [{"customer_id": ..., "field": "...", "data": [{...}]}]}
std::vector<DetailError> validate_array_upserts(const nlohmann::json& body);

// DELETE /customers {"customers_ids": [...]}
std::vector<DetailError> validate_customer_deletes(const nlohmann::json& body);

// DELETE /arrays {"records": [{"customer_id": ..., "field": "...", "ids": [...]}]}
std::vector<DetailError> validate_array_deletes(const nlohmann::json& body);

// POST /events {"customer_id": ..., "event": "...", "data": {...}}
EventErrors validate_event(const nlohmann::json& body);

// {"detail": [...]} as the customers and arrays endpoints answer it.
nlohmann::json detail_body(const std::vector<DetailError>& errors);

// {"errors": {...}} as the events endpoint answers it.
nlohmann::json errors_body(const EventErrors& errors);

}  // namespace cdc::mock
