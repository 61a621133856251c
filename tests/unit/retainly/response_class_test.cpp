#include "retainly/response_class.h"

#include <doctest/doctest.h>

using namespace cdc::retainly;
using namespace std::chrono_literals;

namespace {

// 2024-01-01T00:00:00Z
const std::chrono::system_clock::time_point kNow =
    std::chrono::sys_days{std::chrono::year{2024} / 1 / 1};

HttpResponse answer(int status, std::string body = {}, std::string retry_after = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.retry_after = std::move(retry_after);
  return response;
}

ResponseClass class_of(int status) {
  return classify(answer(status), kNow, CallKind::kCustomerUpsert).kind;
}

}  // namespace

TEST_CASE("classify: each status lands in its class") {
  CHECK(class_of(200) == ResponseClass::kOk);
  CHECK(class_of(204) == ResponseClass::kOk);
  CHECK(class_of(429) == ResponseClass::kRetryAfter);
  CHECK(class_of(500) == ResponseClass::kRetry);
  CHECK(class_of(502) == ResponseClass::kRetry);
  CHECK(class_of(503) == ResponseClass::kRetry);
  CHECK(class_of(408) == ResponseClass::kRetry);
  CHECK(class_of(422) == ResponseClass::kInvalid);
  CHECK(class_of(400) == ResponseClass::kInvalid);
  CHECK(class_of(413) == ResponseClass::kTooLarge);
  CHECK(class_of(403) == ResponseClass::kAuth);
  CHECK(class_of(401) == ResponseClass::kAuth);
  CHECK(class_of(404) == ResponseClass::kUnexpected);
  CHECK(class_of(409) == ResponseClass::kUnexpected);
  CHECK(class_of(301) == ResponseClass::kUnexpected);
}

TEST_CASE("classify: timeouts and connection errors are retried") {
  HttpResponse timeout;
  timeout.error = TransportError::kTimeout;
  CHECK(classify(timeout, kNow, CallKind::kCustomerUpsert).kind == ResponseClass::kRetry);
  HttpResponse broken;
  broken.error = TransportError::kConnection;
  CHECK(classify(broken, kNow, CallKind::kCustomerUpsert).kind == ResponseClass::kRetry);
}

TEST_CASE("classify: 429 carries Retry-After in seconds or as an HTTP-date") {
  CHECK(classify(answer(429, "", "7"), kNow, CallKind::kCustomerUpsert).retry_after == 7s);
  CHECK(classify(answer(429, "", " 0 "), kNow, CallKind::kCustomerUpsert).retry_after == 0s);
  CHECK(classify(answer(429, "", "Mon, 01 Jan 2024 00:00:30 GMT"), kNow, CallKind::kCustomerUpsert)
            .retry_after == 30s);
  CHECK(classify(answer(429, "", "Sunday, 31-Dec-23 23:59:00 GMT"), kNow, CallKind::kCustomerUpsert)
            .retry_after == 0s);
  CHECK(classify(answer(429, "", "Mon Jan  1 00:02:00 2024"), kNow, CallKind::kCustomerUpsert)
            .retry_after == 120s);
  // Missing or unreadable: the default wait.
  CHECK(classify(answer(429), kNow, CallKind::kCustomerUpsert).retry_after == kDefaultRetryAfter);
  CHECK(classify(answer(429, "", "soon"), kNow, CallKind::kCustomerUpsert).retry_after ==
        kDefaultRetryAfter);
  CHECK(classify(answer(429, "", "Mon, 32 Jan 2024 00:00:30 GMT"), kNow, CallKind::kCustomerUpsert)
            .retry_after == kDefaultRetryAfter);
}

TEST_CASE("parse_retry_after: the three HTTP-date forms of RFC 9110 agree") {
  const auto later = kNow + 1h + 2min + 3s;
  CHECK(parse_retry_after("Mon, 01 Jan 2024 01:02:03 GMT", kNow) == later - kNow);
  CHECK(parse_retry_after("Monday, 01-Jan-24 01:02:03 GMT", kNow) == later - kNow);
  CHECK(parse_retry_after("Mon Jan  1 01:02:03 2024", kNow) == later - kNow);
  CHECK(parse_retry_after("01:02:03", kNow) == std::nullopt);
  CHECK(parse_retry_after("", kNow) == std::nullopt);
  CHECK(parse_retry_after("-5", kNow) == std::nullopt);
}

TEST_CASE("classify: 422 names the invalid records from the detail locations") {
  const std::string body = R"({"detail":[
    {"loc":["body","customers",3,"email"],"msg":"too long","type":"value_error"},
    {"loc":["body","records",1,"data",4,"note"],"msg":"too long","type":"value_error"},
    {"loc":["body","customers"],"msg":"whole request","type":"value_error"},
    {"loc":["body","customers_ids",0],"msg":"bad id","type":"type_error"}]})";
  Verdict verdict = classify(answer(422, body), kNow, CallKind::kCustomerUpsert);
  CHECK(verdict.kind == ResponseClass::kInvalid);
  REQUIRE(verdict.invalid.size() == 3);
  CHECK(verdict.invalid[0].record == 3);
  CHECK(verdict.invalid[0].item == std::nullopt);
  CHECK(verdict.invalid[0].detail.find("too long") != std::string::npos);
  CHECK(verdict.invalid[1].record == 1);
  CHECK(verdict.invalid[1].item == 4);
  CHECK(verdict.invalid[2].record == 0);
}

TEST_CASE("classify: a 422 from /events about the credentials is an auth failure") {
  // retainly-api-docs.txt, Create Customer Event: "422 Validation errors. For example,
  // incorrect authentication parameters, ..." in the {"errors": {...}} shape.
  const std::string about_auth =
      R"({"errors":{"authentication":["Incorrect authentication parameters"]}})";
  CHECK(classify(answer(422, about_auth), kNow, CallKind::kEvent).kind == ResponseClass::kAuth);
  CHECK(classify(answer(422, R"({"errors":{"key":["invalid"],"secret":["invalid"]}})"), kNow,
                 CallKind::kEvent)
            .kind == ResponseClass::kAuth);
  CHECK(classify(answer(422, R"({"message":"Incorrect authentication credentials"})"), kNow,
                 CallKind::kEvent)
            .kind == ResponseClass::kAuth);
  // About the event itself, even when a data field's name or value mentions auth.
  CHECK(
      classify(answer(422, R"({"errors":{"event":["too long"]}})"), kNow, CallKind::kEvent).kind ==
      ResponseClass::kInvalid);
  CHECK(classify(answer(422, R"({"errors":{"data.auth_key":["authentication too long"]}})"), kNow,
                 CallKind::kEvent)
            .kind == ResponseClass::kInvalid);
  CHECK(classify(answer(422, "not json"), kNow, CallKind::kEvent).kind == ResponseClass::kInvalid);
  // The other endpoints refuse credentials with 403; their 422 is about records.
  CHECK(classify(answer(422, about_auth), kNow, CallKind::kCustomerUpsert).kind ==
        ResponseClass::kInvalid);
}

TEST_CASE("classify: 422 bodies without record locations name nothing") {
  CHECK(
      classify(answer(422, R"({"errors":{"event":["too long"]}})"), kNow, CallKind::kCustomerUpsert)
          .invalid.empty());
  CHECK(classify(answer(422, "not json"), kNow, CallKind::kCustomerUpsert).invalid.empty());
  CHECK(
      classify(answer(400, R"("Invalid JSON")"), kNow, CallKind::kCustomerUpsert).invalid.empty());
}
