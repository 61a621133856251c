// Fencing for high availability: the instance lock as a lease with a bound.
//
// The server releases the instance lock the moment the holder's lock session ends (the
// process died, the connection was killed or cut), and a standby may take it at once,
// while the old holder learns of the loss only when it next checks. So the lock alone
// would let two instances send for a while. The lease bounds that:
//  - the holder confirms its lock every `check_interval` on a thread of its own (so a
//    pipeline blocked on a full sink or a snapshot still checks); each confirmation
//    started at time t keeps sending allowed until t + `lease`, and a failed one ends it
//    at once. The sink's SendWindow follows, so the holder starts no request later than
//    `lease` after the lock was last seen held, even when a check hangs;
//  - whoever takes the lock (a standby, or this instance again) opens the window only
//    `takeover_delay` after the attempt that took it started.
// With takeover_delay > lease, the old holder's last request starts before the new
// holder's first: lost at L >= t (the start of its last good check), the old one stops
// by t + lease <= L + lease, and the new one, taking the lock at A >= L, starts at
// A + takeover_delay. docs/operations.md states the bound.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/instance_lock.h"
#include "sink/send_window.h"

namespace cdc::pipeline {

struct LeaseOptions {
  std::chrono::milliseconds check_interval{1000};
  std::chrono::milliseconds lease{3000};
  std::chrono::milliseconds takeover_delay{5000};
  // A lease that lapsed because a confirmation is late (an overloaded database) only
  // pauses sending: a later confirmation, which proves the same session still holds the
  // lock, resumes it. Lapsed for longer than this, it counts as lost.
  std::chrono::milliseconds lapse_limit{30000};
};

class LockLease {
 public:
  // `lock` must outlive the lease. `window` is the sink's; it starts closed.
  LockLease(InstanceLock& lock, std::shared_ptr<sink::SendWindow> window, LeaseOptions options);
  // Stops checking; waits for a check in progress to return.
  ~LockLease();

  LockLease(const LockLease&) = delete;
  LockLease& operator=(const LockLease&) = delete;

  // Takes the lock if it is free. True when taken: the window opens takeover_delay later
  // and checking starts. False while another instance holds it, or while the check of a
  // lease lost earlier has not returned yet. Throws SourceDisconnected when the source
  // cannot be reached. Call from one thread, and only when held() is false.
  bool try_take();

  // True from a try_take() that succeeded until the lease lapses or a check fails.
  bool held() const;
  // True when a check failed, or the lease has been lapsed for longer than lapse_limit;
  // the send window is then closed for good (the sink fences itself). A lease that is
  // only lapsed is neither held() nor lost(): sending pauses until a check confirms it.
  // Call from the thread that calls try_take().
  bool lost();
  // True once held and the takeover delay has passed: sending is allowed.
  bool active() const;

 private:
  void keep();
  void stop_keeper();

  InstanceLock& lock_;
  std::shared_ptr<sink::SendWindow> window_;
  const LeaseOptions options_;
  using Clock = std::chrono::steady_clock;
  std::atomic<int64_t> valid_until_{0};  // Clock ticks; held while now is before it
  std::atomic<int64_t> active_from_{0};
  std::atomic<bool> lost_{true};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> keeper_done_{true};
  std::thread keeper_;
};

}  // namespace cdc::pipeline
