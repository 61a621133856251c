// HTTP/1.1 connections against HTTP/2 streams, as the sink's transport drives them:
//
//   cdc_transport_bench URL REQUESTS IN_FLIGHT [http1] [CA_FILE]
//
// Sends REQUESTS small POST /events requests to URL (key and secret "bench"), IN_FLIGHT
// at a time through one retainly::HttpTransport with IN_FLIGHT connections allowed. An
// https URL negotiates HTTP/2 unless "http1" is given; CA_FILE verifies a local server's
// self-signed certificate (a TLS proxy such as nghttpx in front of retainly-mock stands in
// for Retainly). Prints requests per second and the process's CPU time per request
// (getrusage), which the machine's load does not distort.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "process_cpu.h"
#include "retainly/http_transport.h"

namespace {

using cdc::bench::cpu_seconds;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: cdc_transport_bench URL REQUESTS IN_FLIGHT [http1] [CA_FILE]\n");
    return 2;
  }
  cdc::retainly::HttpTransportOptions options;
  options.base_url = argv[1];
  const uint64_t total = std::strtoull(argv[2], nullptr, 10);
  const size_t in_flight = std::strtoull(argv[3], nullptr, 10);
  options.max_connections = in_flight;
  for (int i = 4; i < argc; ++i) {
    if (std::string_view(argv[i]) == "http1") {
      options.allow_http2 = false;
    } else {
      options.ca_path = argv[i];
    }
  }
  cdc::retainly::HttpTransport transport(options);

  const std::vector<cdc::retainly::HttpHeader> headers = {
      {"key", "bench"}, {"secret", "bench"}, {"Content-Type", "application/json"}};
  const std::string body =
      R"({"customer_id":1,"event":"signed_up","data":{"email":"user1@example.com"}})";
  cdc::retainly::HttpRequest request;
  request.path = "/events";
  request.body = body;
  request.headers = headers;

  std::map<int, uint64_t> statuses;
  std::string first_error;
  std::vector<cdc::retainly::HttpResponse> done;
  uint64_t started = 0;
  uint64_t finished = 0;
  size_t out = 0;
  const double cpu_start = cpu_seconds();
  const auto start = std::chrono::steady_clock::now();
  while (finished < total) {
    for (; out < in_flight && started < total; ++out, ++started) transport.start(request);
    transport.poll(std::chrono::milliseconds{100}, done);
    for (const auto& response : done) {
      ++statuses[response.error == cdc::retainly::TransportError::kNone ? response.status : 0];
      if (response.error != cdc::retainly::TransportError::kNone && first_error.empty()) {
        first_error = response.error_message;
      }
    }
    finished += done.size();
    out -= done.size();
    done.clear();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  std::printf(
      "%s %s in_flight=%zu requests=%llu seconds=%.2f requests_per_s=%.0f "
      "cpu_us_per_request=%.1f",
      options.allow_http2 ? "http2-if-offered" : "http/1.1", argv[1], in_flight,
      static_cast<unsigned long long>(total), seconds, static_cast<double>(total) / seconds,
      cpu * 1e6 / static_cast<double>(total));
  for (const auto& [status, count] : statuses) {
    std::printf(" status_%d=%llu", status, static_cast<unsigned long long>(count));
  }
  if (!first_error.empty()) std::printf(" first_error=\"%s\"", first_error.c_str());
  std::printf("\n");
  return 0;
}
