// Load for measuring retainly-mock's own CPU cost per request, for
// tests/bench/mock_cost_bench.sh:
//
//   cdc_mock_load_bench HOST PORT REQUESTS RECORDS [CLIENTS]
//
// Sends REQUESTS POST /customers requests (key and secret "bench"), each a body of
// RECORDS customers shaped like the connector's (an id, a string, an int, a decimal, a
// timestamp), over CLIENTS keep-alive connections (default 4), and prints
// "requests N seconds S requests_per_s R status_200 K". Exits 1 if any answer is not 200.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace {

std::string customers_body(int records) {
  std::string body = R"({"customers":[)";
  for (int i = 0; i < records; ++i) {
    if (i != 0) body += ',';
    body += fmt::format(R"({{"id":"{0}","name":"customer {0}","visits":{1},"balance":{2}.37,)"
                        R"("updated_at":"2024-01-01T00:00:{3:02}.000000Z"}})",
                        i + 1, i % 1000, i % 100000, i % 60);
  }
  body += "]}";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: cdc_mock_load_bench HOST PORT REQUESTS RECORDS [CLIENTS]\n");
    return 2;
  }
  const std::string host = argv[1];
  const int port = std::atoi(argv[2]);
  const int requests = std::atoi(argv[3]);
  const int clients = argc > 5 ? std::atoi(argv[5]) : 4;
  const std::string body = customers_body(std::atoi(argv[4]));

  std::atomic<int> next = 0;
  std::atomic<int> ok = 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client(host, port);
      client.set_keep_alive(true);
      const httplib::Headers headers{{"key", "bench"}, {"secret", "bench"}};
      while (next.fetch_add(1) < requests) {
        auto result = client.Post("/customers", headers, body, "application/json");
        if (result && result->status == 200) ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("requests %d seconds %.3f requests_per_s %.0f status_200 %d body_bytes %zu\n",
              requests, seconds, requests / seconds, ok.load(), body.size());
  return ok.load() == requests ? 0 : 1;
}
