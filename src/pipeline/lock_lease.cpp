#include "pipeline/lock_lease.h"

#include "core/thread_name.h"

namespace cdc::pipeline {
namespace {

int64_t ticks(std::chrono::steady_clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace

LockLease::LockLease(InstanceLock& lock, std::shared_ptr<sink::SendWindow> window,
                     LeaseOptions options)
    : lock_(lock), window_(std::move(window)), options_(options) {
  window_->close();
}

LockLease::~LockLease() {
  stop_keeper();
  if (keeper_.joinable()) keeper_.join();
  // The lock goes with its owner right after this; sending must not outlive it.
  window_->close();
}

bool LockLease::try_take() {
  if (!keeper_done_.load()) return false;  // a check of the lost lease still hangs
  if (keeper_.joinable()) keeper_.join();
  lost_.store(true);
  window_->close();
  const auto started = Clock::now();
  if (!lock_.try_acquire()) return false;
  const auto from = started + options_.takeover_delay;
  // The lease counts from when the attempt started: the server may have granted the lock
  // at any moment after that.
  const auto until = std::max(from, started + options_.lease);
  active_from_.store(ticks(from));
  valid_until_.store(ticks(until));
  lost_.store(false);
  window_->set(from, until);
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  keeper_done_.store(false);
  keeper_ = std::thread([this] {
    name_this_thread("cdc-lock");
    keep();
  });
  return true;
}

bool LockLease::held() const { return !lost_.load() && ticks(Clock::now()) < valid_until_.load(); }

bool LockLease::lost() {
  if (lost_.load()) return true;
  if (ticks(Clock::now()) <
      valid_until_.load() + ticks(Clock::time_point{} + options_.lapse_limit)) {
    return false;
  }
  lost_.store(true);
  window_->close();
  return true;
}

bool LockLease::active() const { return held() && ticks(Clock::now()) >= active_from_.load(); }

void LockLease::stop_keeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void LockLease::keep() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, options_.check_interval, [&] { return stopping_; })) break;
    }
    const auto started = Clock::now();
    if (!lock_.confirm()) {
      lost_.store(true);
      window_->close();
      break;
    }
    const auto until = started + options_.lease;
    // During the takeover delay the lease already runs past the window's start.
    if (ticks(until) > valid_until_.load()) valid_until_.store(ticks(until));
    window_->extend_until(until);
  }
  keeper_done_.store(true);
}

}  // namespace cdc::pipeline
