// A hand-written Transport for sink tests: records every request started and answers
// only when the test says so. Thread-safe, so it serves the threaded Sink too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "retainly/transport.h"

namespace cdc::sink::testing {

struct StartedRequest {
  uint64_t id = 0;
  std::string method;
  std::string path;
  std::string body;
  std::vector<retainly::HttpHeader> headers;
};

class FakeTransport final : public retainly::Transport {
 public:
  uint64_t start(const retainly::HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    StartedRequest started{next_id_++,
                           request.method,
                           std::string(request.path),
                           std::string(request.body),
                           {request.headers.begin(), request.headers.end()}};
    all_.push_back(started);
    fresh_.push_back(std::move(started));
    changed_.notify_all();
    return all_.back().id;
  }

  void poll(std::chrono::milliseconds timeout, std::vector<retainly::HttpResponse>& done) override {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return !answers_.empty() || woken_; });
    woken_ = false;
    for (auto& answer : answers_) done.push_back(std::move(answer));
    answers_.clear();
  }

  void wake() override {
    std::lock_guard lock(mutex_);
    woken_ = true;
    changed_.notify_all();
  }

  // Requests started since the last call.
  std::vector<StartedRequest> take_started() {
    std::lock_guard lock(mutex_);
    std::vector<StartedRequest> taken(fresh_.begin(), fresh_.end());
    fresh_.clear();
    return taken;
  }

  std::vector<StartedRequest> all_started() const {
    std::lock_guard lock(mutex_);
    return all_;
  }

  // Waits until `count` requests were started in all, or `timeout`; true if they were.
  bool wait_started(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds{5}) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return all_.size() >= count; });
  }

  // Queues an answer for poll() (the threaded Sink's path).
  void answer(retainly::HttpResponse response) {
    std::lock_guard lock(mutex_);
    answers_.push_back(std::move(response));
    changed_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t next_id_ = 1;
  std::vector<StartedRequest> all_;
  std::deque<StartedRequest> fresh_;
  std::vector<retainly::HttpResponse> answers_;
  bool woken_ = false;
};

inline retainly::HttpResponse http_answer(uint64_t id, int status, std::string body = {},
                                          std::string retry_after = {}) {
  retainly::HttpResponse response;
  response.id = id;
  response.status = status;
  response.body = std::move(body);
  response.retry_after = std::move(retry_after);
  return response;
}

inline retainly::HttpResponse transport_failure(uint64_t id, retainly::TransportError error) {
  retainly::HttpResponse response;
  response.id = id;
  response.error = error;
  response.error_message = "simulated";
  return response;
}

}  // namespace cdc::sink::testing
