#include "pipeline/sim/sim_retainly.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "mock/api_handler.h"
#include "mock/mixed_id.h"
#include "ops/log.h"

namespace cdc::pipeline::sim {
namespace {

using nlohmann::json;
using retainly::HttpResponse;
using retainly::TransportError;

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(std::string_view text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Uniform in [0, 1) from the top 53 bits.
double unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace

SimRetainly::SimRetainly(mock::Store& store, sink::ManualClock& clock, const SimProfile& profile,
                         uint64_t seed, uint32_t incarnation, RetainlyLog& log)
    : store_(store),
      clock_(clock),
      profile_(profile),
      seed_(seed),
      incarnation_(incarnation),
      log_(log) {}

uint64_t SimRetainly::start(const retainly::HttpRequest& request) {
  std::lock_guard lock(mutex_);
  const uint64_t id = next_id_++;
  if (free_) return id;  // the process is gone: nothing leaves it any more
  InFlight flight;
  flight.id = id;
  flight.method = request.method;
  flight.path = std::string(request.path);
  flight.body = std::string(request.body);
  // The fate depends on the seed, the process and what is sent (and how often), never on
  // when: a seed replays the same faults.
  const std::string what = flight.method + " " + flight.path + "\n" + flight.body;
  const uint32_t attempt = ++attempts_[what];
  const uint64_t bits = mix(mix(fnv1a(what) ^ seed_) ^ (uint64_t{incarnation_} << 32 | attempt));
  double roll = unit(bits);
  const double latency = unit(mix(bits));
  const double retry_after = unit(mix(bits + 1));
  if ((roll -= profile_.drop_chance) < 0) {
    flight.fate = Fate::kDropped;
  } else if ((roll -= profile_.fail_chance) < 0) {
    flight.fate = Fate::kFailed;
  } else if ((roll -= profile_.rate_limit_chance) < 0) {
    flight.fate = Fate::kRateLimited;
    flight.retry_after = std::to_string(static_cast<int>(retry_after * 3));  // 0..2 s
  } else if ((roll -= profile_.lost_answer_chance) < 0) {
    flight.fate = Fate::kLostAnswer;
  }
  flight.due = clock_.now() + std::chrono::microseconds(
                                  static_cast<int64_t>(latency * profile_.max_latency_ms * 1000));
  {
    std::lock_guard log_lock(log_.mutex);
    ++log_.requests;
    if (flight.fate != Fate::kServe) ++log_.faults;
  }
  in_flight_.emplace(flight.due, std::move(flight));
  return id;
}

void SimRetainly::poll(std::chrono::milliseconds timeout, std::vector<HttpResponse>& done) {
  std::unique_lock lock(mutex_);
  const auto deadline = clock_.now() + timeout;
  for (;;) {
    if (deliver_due(done) || free_) return;
    if (woken_) {
      woken_ = false;
      return;
    }
    if (clock_.now() >= deadline) return;
    // Nothing to do until simulated time moves: park until a tick gives it work.
    parked_ = true;
    parked_until_ = deadline;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_ || free_; });
    released_ = false;
    parked_ = false;
  }
}

void SimRetainly::wake() {
  // Noticed at the next tick: the worker never runs beside the pipeline's thread.
  std::lock_guard lock(mutex_);
  woken_ = true;
}

void SimRetainly::tick(std::chrono::nanoseconds by) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return parked_ || free_; });
  clock_.advance(by);
  const bool work = woken_ || clock_.now() >= parked_until_ ||
                    (!in_flight_.empty() && in_flight_.begin()->first <= clock_.now());
  if (!work || free_) return;
  {
    std::lock_guard log_lock(log_.mutex);
    ++log_.ticks;
  }
  released_ = true;
  changed_.notify_all();
  changed_.wait(lock, [&] { return (parked_ && !released_) || free_; });
}

void SimRetainly::wait_parked() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return parked_ || free_; });
}

std::chrono::nanoseconds SimRetainly::time_to_next_event() const {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  std::chrono::nanoseconds next = std::chrono::milliseconds(50);
  if (!in_flight_.empty()) next = std::min(next, in_flight_.begin()->first - now);
  if (parked_) next = std::min(next, parked_until_ - now);
  return std::max(next, std::chrono::nanoseconds(std::chrono::microseconds(100)));
}

void SimRetainly::kill() {
  std::lock_guard lock(mutex_);
  for (auto& [due, flight] : in_flight_) {
    if (flight.fate == Fate::kServe || flight.fate == Fate::kLostAnswer) serve(flight);
  }
  in_flight_.clear();
  free_ = true;
  changed_.notify_all();
}

void SimRetainly::release() {
  std::lock_guard lock(mutex_);
  free_ = true;
  changed_.notify_all();
}

bool SimRetainly::deliver_due(std::vector<HttpResponse>& done) {
  bool any = false;
  const auto now = clock_.now();
  while (!in_flight_.empty() && in_flight_.begin()->first <= now) {
    done.push_back(serve(in_flight_.begin()->second));
    in_flight_.erase(in_flight_.begin());
    any = true;
  }
  return any;
}

HttpResponse SimRetainly::serve(const InFlight& request) {
  HttpResponse response;
  response.id = request.id;
  const auto endpoint = mock::api_endpoint_for(request.method, request.path);
  if (!endpoint) {
    response.status = 404;
    return response;
  }
  mock::Answer answer;
  switch (request.fate) {
    case Fate::kDropped:
      response.error = TransportError::kConnection;
      response.error_message = "simulated: connection dropped before Retainly read the request";
      return response;
    case Fate::kFailed:
      answer = mock::status_answer(*endpoint, request.id % 2 == 0 ? 500 : 503);
      break;
    case Fate::kRateLimited:
      answer = mock::status_answer(*endpoint, 429);
      answer.headers = {{"Retry-After", request.retry_after}};
      break;
    case Fate::kServe:
    case Fate::kLostAnswer:
      answer = mock::handle_api_request(*endpoint, request.body, store_, kRefused);
      log::debug("sim: Retainly answered {} to request {}: {} {} {}", answer.status, request.id,
                 request.method, request.path, request.body);
      if (answer.status == 200) check_order(request.path, request.body);
      if (answer.status == 422) {
        std::lock_guard log_lock(log_.mutex);
        ++log_.refused_records;
      }
      if (request.fate == Fate::kLostAnswer) {
        response.error = TransportError::kConnection;
        response.error_message = "simulated: connection dropped after Retainly applied it";
        return response;
      }
      break;
  }
  response.status = answer.status;
  response.body = std::move(answer.body);
  for (const auto& [name, value] : answer.headers) {
    if (name == "Retry-After") response.retry_after = value;
  }
  return response;
}

void SimRetainly::check_order(const std::string& path, const std::string& body) {
  const json request = json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto applied = [&](const std::string& key, const json& record) {
    if (!record.contains("ver")) return;
    const int64_t version = record["ver"].get<int64_t>();
    auto [it, inserted] = applied_version_.try_emplace(key, version);
    if (!inserted && version < it->second) {
      std::lock_guard log_lock(log_.mutex);
      log_.violations.push_back(key + ": Retainly applied version " + std::to_string(version) +
                                " after version " + std::to_string(it->second) +
                                " in one process (calls of one customer reordered)");
    }
    it->second = std::max(it->second, version);
  };
  if (path == "/customers" && request.contains("customers")) {
    for (const json& customer : request["customers"]) {
      applied("c:" + mock::id_key(customer["id"]), customer);
    }
  } else if (path == "/arrays" && request.contains("records")) {
    for (const json& record : request["records"]) {
      if (!record.contains("data")) continue;
      for (const json& item : record["data"]) {
        applied("i:" + mock::id_key(record["customer_id"]) + ":" + mock::id_key(item["id"]), item);
      }
    }
  }
}

}  // namespace cdc::pipeline::sim
