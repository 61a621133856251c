#include "core/background_job.h"

#include <utility>

#include "core/thread_name.h"

namespace cdc {

BackgroundJob::~BackgroundJob() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void BackgroundJob::start(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  job_ = std::move(job);
  done_ = false;
  running_ = true;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] {
      name_this_thread(name_);
      serve();
    });
  } else {
    changed_.notify_all();
  }
}

bool BackgroundJob::finished() {
  if (!running_ || !done_.load(std::memory_order_acquire)) return false;
  std::unique_lock lock(mutex_);
  collect(lock);
  return true;
}

void BackgroundJob::wait() {
  if (!running_) return;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return done_.load(); });
  collect(lock);
}

void BackgroundJob::collect(std::unique_lock<std::mutex>& lock) {
  done_ = false;
  running_ = false;
  if (auto error = std::exchange(error_, nullptr)) {
    lock.unlock();
    std::rethrow_exception(error);
  }
}

void BackgroundJob::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // The destructor lets a started job run to its end: it may be writing.
    changed_.wait(lock, [&] { return job_ != nullptr || stopping_; });
    if (job_ == nullptr) return;
    auto job = std::exchange(job_, nullptr);
    lock.unlock();
    std::exception_ptr error;
    try {
      job();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    done_.store(true, std::memory_order_release);
    changed_.notify_all();
  }
}

}  // namespace cdc
