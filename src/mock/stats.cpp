#include "mock/stats.h"

namespace cdc::mock {

void Stats::count_request(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[endpoint][status];
}

void Stats::count_applied(const std::string& endpoint, size_t records) {
  std::lock_guard lock(mutex_);
  applied_[endpoint] += records;
}

nlohmann::json Stats::to_json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json requests = nlohmann::json::object();
  for (const auto& [endpoint, by_status] : requests_) {
    nlohmann::json counts = nlohmann::json::object();
    for (const auto& [status, count] : by_status) {
      counts[status == kDropped ? "dropped" : std::to_string(status)] = count;
    }
    requests[endpoint] = std::move(counts);
  }
  return {{"requests", std::move(requests)}, {"records_applied", applied_}};
}

void Stats::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
  applied_.clear();
}

}  // namespace cdc::mock
