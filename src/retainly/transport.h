// The seam between the sink and HTTP: start requests, collect their answers. The real
// one is HttpTransport (libcurl); sink unit tests use a hand-written fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cdc::retainly {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  const char* method = "POST";
  std::string_view path;  // appended to the transport's base URL: "/customers"
  // Not copied: must stay alive and unchanged until the request's response is returned.
  std::string_view body;
  // Copied by start(); may be released right after.
  std::span<const HttpHeader> headers;
};

enum class TransportError {
  kNone,        // an HTTP answer arrived; `status` holds it
  kTimeout,     // no complete answer within the request timeout
  kConnection,  // could not connect, TLS failed, or the connection broke before an answer
};

struct HttpResponse {
  uint64_t id = 0;  // as returned by Transport::start
  TransportError error = TransportError::kNone;
  int status = 0;           // 0 unless error == kNone
  std::string body;         // the answer's body, possibly empty
  std::string retry_after;  // the Retry-After header's value, empty if absent
  // What went wrong for a transport error. Never holds header values (no secrets).
  std::string error_message;
};

// Threading: start() and poll() are called from one thread (the sink's worker); wake()
// may be called from any thread.
class Transport {
 public:
  virtual ~Transport() = default;

  // Starts `request` and returns its id (unique for the transport's lifetime). Never
  // blocks on the network: failures arrive later as a response with an error.
  virtual uint64_t start(const HttpRequest& request) = 0;

  // Waits until at least one started request has finished, wake() is called, or
  // `timeout` passes; appends every finished request's response to `done`.
  virtual void poll(std::chrono::milliseconds timeout, std::vector<HttpResponse>& done) = 0;

  // Makes a poll() that is waiting, or the next one, return early.
  virtual void wake() = 0;
};

}  // namespace cdc::retainly
