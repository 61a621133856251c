// Counters behind GET /_stats: API requests per endpoint and answer, records applied per
// endpoint. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace cdc::mock {

class Stats {
 public:
  // A dropped connection has no status: pass kDropped.
  static constexpr int kDropped = 0;

  void count_request(const std::string& endpoint, int status);
  void count_applied(const std::string& endpoint, size_t records);

  // {"requests": {"POST /customers": {"200": 3, "422": 1, "dropped": 1}},
  //  "records_applied": {"POST /customers": 250}}
  nlohmann::json to_json() const;

  void clear();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, size_t>> requests_;
  std::map<std::string, size_t> applied_;
};

}  // namespace cdc::mock
