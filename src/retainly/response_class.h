// What an HTTP answer from Retainly means for the sink: the one place where statuses,
// Retry-After and 422 bodies are interpreted.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retainly/call.h"
#include "retainly/transport.h"

namespace cdc::retainly {

enum class ResponseClass {
  kOk,          // 2xx: the request is done
  kRetryAfter,  // 429: wait as told, then resend; not a failed attempt
  kRetry,       // 5xx, 408, timeout, connection error: back off, then resend
  kInvalid,     // 422, 400: some records are refused; split to find them
  kTooLarge,    // 413: the body is too big; split
  kAuth,        // 401, 403, a 422 from /events about authentication: credentials refused; stop
  // Any other answer (3xx, 404, 409, ...): not attributable to a record and not a
  // verdict on the credentials; retried with backoff like kRetry, since a proxy or a
  // deployment in progress gives such answers for a while.
  kUnexpected,
};

const char* to_string(ResponseClass response_class);

// A record a 422 answer names: its index among the body's records and, for array
// records, the index of the item (or id) inside it when the answer goes that deep.
struct InvalidRecord {
  size_t record = 0;
  std::optional<size_t> item;
  std::string detail;  // the answer's entry about it, as JSON text
};

struct Verdict {
  ResponseClass kind = ResponseClass::kUnexpected;
  std::chrono::milliseconds retry_after{0};  // kRetryAfter only
  // kInvalid only: the records the answer names, in its order, possibly none (400, the
  // events endpoint, a whole-request error). Indexes are as the server sent them and
  // may be out of range.
  std::vector<InvalidRecord> invalid;
};

// Retry-After absent or unreadable on a 429.
inline constexpr std::chrono::milliseconds kDefaultRetryAfter{1000};

// `now` is the wall clock, for Retry-After given as a date. `kind` is what the request
// carried: the events endpoint answers refused credentials with 422 ("Validation errors.
// For example, incorrect authentication parameters", retainly-api-docs.txt), so a 422
// from it whose body is about authentication (is_about_authentication) is kAuth, never
// a refused record.
Verdict classify(const HttpResponse& response, std::chrono::system_clock::time_point now,
                 CallKind kind);

// Whether a 422 body of the events endpoint speaks of the credentials rather than of
// the event: an `errors` entry that names none of the event's fields (customer_id,
// event, data, data.*) and whose name or messages mention authentication, credentials,
// the key or the secret; or, outside that shape, a `message`/`detail`/`error` text that
// mentions authentication or credentials.
bool is_about_authentication(std::string_view events_422_body);

// The wait a Retry-After value asks for (RFC 9110 10.2.3): delta-seconds, or an HTTP-date
// in any of the three formats of RFC 9110 5.6.7, measured from `now`; a past date waits
// zero. Nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace cdc::retainly
