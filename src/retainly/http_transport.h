// The libcurl transport: many requests at once to one base URL, driven by curl's multi
// interface from the sink's worker thread. Over https it offers HTTP/2 (ALPN) and
// multiplexes requests on few connections when the server takes it; otherwise it keeps
// a pool of HTTP/1.1 connections, one request on each at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "retainly/transport.h"

namespace cdc::retainly {

struct HttpTransportOptions {
  // Scheme, host and optional port and prefix, without a trailing slash:
  // "https://track.retainly.app". Request paths are appended to it.
  std::string base_url;
  // Whole request, connecting included; past it the response is a kTimeout error.
  std::chrono::milliseconds request_timeout{30000};
  // Connections kept open to the host. Over HTTP/1.1 this bounds transfers at once (more
  // are queued inside libcurl until a connection frees up), so the sink sizes it to its
  // concurrency ceiling.
  size_t max_connections = 8;
  bool tls_verify = true;
  std::string ca_path;  // a CA bundle file; empty: the system's
  // Over https, offer HTTP/2 (ALPN); false: HTTP/1.1 only. Plain http is always
  // HTTP/1.1: h2c with prior knowledge fails on every reused connection in Debian 12's
  // libcurl 7.88.1 (curl issue #10634, fixed after that release).
  bool allow_http2 = true;
};

// Move-less and copy-less: it owns the curl handles and the transfers they point into.
// Threading as Transport says. No redirects are followed, so credentials in headers go
// to `base_url`'s host only; nothing here logs, and error messages come from libcurl's
// error buffer, which never holds header values.
class HttpTransport final : public Transport {
 public:
  // Throws std::runtime_error when libcurl cannot be initialised.
  explicit HttpTransport(HttpTransportOptions options);
  // Abandons unfinished transfers and closes the connections.
  ~HttpTransport() override;

  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  uint64_t start(const HttpRequest& request) override;
  void poll(std::chrono::milliseconds timeout, std::vector<HttpResponse>& done) override;
  void wake() override;

 private:
  struct Handles;
  struct Transfer;

  void collect_finished(std::vector<HttpResponse>& done);

  HttpTransportOptions options_;
  std::unique_ptr<Handles> handles_;
  bool multiplex_ = false;  // HTTP/2 is possible: https and allow_http2
  uint64_t next_id_ = 1;
  // Keyed by the transfer's easy handle, which is what libcurl reports back.
  std::unordered_map<void*, std::unique_ptr<Transfer>> transfers_;
  // Easy handles of finished transfers, reset and reused so their buffers stay warm.
  std::vector<std::unique_ptr<Transfer>> idle_;
  // Requests that failed before reaching libcurl's queue; answered by the next poll().
  std::vector<HttpResponse> failed_to_start_;
};

}  // namespace cdc::retainly
