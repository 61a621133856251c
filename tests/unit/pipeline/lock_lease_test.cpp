// LockLease (pipeline/lock_lease.h) over a hand-written InstanceLock: the send window opens
// only a takeover delay after the lock is taken, and closes when a check fails or hangs
// past the lease (issue 13, defect 10).
#include "pipeline/lock_lease.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "support/wait_until.h"

using namespace std::chrono_literals;
using cdc::test::wait_until;

namespace cdc::pipeline {
namespace {

class FakeLock final : public InstanceLock {
 public:
  bool try_acquire() override {
    ++acquisitions;
    return free.load();
  }
  bool confirm() override {
    ++confirmations;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !hang; });
    return still_held.load();
  }
  std::string describe() const override { return "fake lock"; }

  void set_hang(bool value) {
    {
      std::lock_guard lock(mutex_);
      hang = value;
    }
    changed_.notify_all();
  }

  std::atomic<bool> free{true};
  std::atomic<bool> still_held{true};
  std::atomic<int> acquisitions{0};
  std::atomic<int> confirmations{0};

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool hang = false;
};

struct Harness {
  explicit Harness(LeaseOptions options) : lease(lock, window, options) {}
  FakeLock lock;
  std::shared_ptr<sink::SendWindow> window = std::make_shared<sink::SendWindow>();
  LockLease lease;
};

}  // namespace

TEST_CASE("lock lease: a lock held elsewhere is not taken and the window stays closed") {
  Harness h({10ms, 50ms, 100ms});
  h.lock.free = false;
  CHECK_FALSE(h.lease.try_take());
  CHECK_FALSE(h.lease.held());
  CHECK_FALSE(h.window->open());
}

TEST_CASE("lock lease: the window opens only the takeover delay after taking the lock") {
  Harness h({10ms, 1h, 2h});
  REQUIRE(h.lease.try_take());
  CHECK(h.lease.held());
  CHECK_FALSE(h.lease.active());
  CHECK_FALSE(h.window->open());  // a previous holder may still be sending
  // Renewed meanwhile: checks run during the delay.
  wait_until([&] { return h.lock.confirmations.load() >= 3; }, 10s, "the lease to be confirmed");
  CHECK(h.lease.held());
}

TEST_CASE("lock lease: renewed by checks, it stays open past its first lease") {
  Harness h({5ms, 40ms, 60ms});
  REQUIRE(h.lease.try_take());
  wait_until([&] { return h.lease.active() && h.window->open(); }, 10s, "the window to open");
  const int seen = h.lock.confirmations.load();
  wait_until([&] { return h.lock.confirmations.load() >= seen + 30; }, 10s, "30 more checks");
  CHECK(h.lease.held());
}

TEST_CASE("lock lease: a failed check closes the window at once, and the lock can be retaken") {
  Harness h({5ms, 1h, 2h});
  REQUIRE(h.lease.try_take());
  h.lock.still_held = false;
  wait_until([&] { return !h.lease.held(); }, 10s, "the lease to end");
  CHECK_FALSE(h.window->open());
  h.lock.still_held = true;
  REQUIRE(h.lease.try_take());
  CHECK(h.lock.acquisitions.load() == 2);
  CHECK_FALSE(h.window->open());  // the takeover delay applies again
}

TEST_CASE(
    "lock lease: a check that hangs lets the lease lapse; the lock is not retaken "
    "until it returns") {
  Harness h({5ms, 80ms, 120ms});
  REQUIRE(h.lease.try_take());
  wait_until([&] { return h.window->open(); }, 10s, "the window to open");
  h.lock.set_hang(true);
  wait_until([&] { return !h.lease.held(); }, 10s, "the lease to lapse");
  CHECK_FALSE(h.window->open());
  CHECK_FALSE(h.lease.try_take());  // the hanging check still owns the lock object
  CHECK(h.lock.acquisitions.load() == 1);
  h.lock.still_held = false;
  h.lock.set_hang(false);
  wait_until([&] { return h.lease.try_take(); }, 10s, "the lock to be taken again");
}

TEST_CASE("lock lease: a confirmation later than the lease pauses sending; the next resumes it") {
  // An overloaded database answers a check late, but the same session still holds the
  // lock: nobody else can have taken it, so sending resumes with the next confirmation.
  Harness h({5ms, 80ms, 100ms, /*lapse_limit=*/1h});
  REQUIRE(h.lease.try_take());
  wait_until([&] { return h.window->open(); }, 10s, "the window to open");
  h.lock.set_hang(true);
  wait_until([&] { return !h.lease.held(); }, 10s, "the lease to lapse");
  CHECK_FALSE(h.window->open());
  CHECK_FALSE(h.window->closed());  // paused, not fenced
  CHECK_FALSE(h.lease.lost());
  h.lock.set_hang(false);  // the late answer: still held
  wait_until([&] { return h.lease.held() && h.window->open(); }, 10s, "sending to resume");
  CHECK_FALSE(h.lease.lost());
  CHECK(h.lock.acquisitions.load() == 1);  // never given up and taken again
}

TEST_CASE("lock lease: lapsed past lapse_limit, the lease counts as lost and the window closes") {
  Harness h({5ms, 40ms, 60ms, /*lapse_limit=*/100ms});
  REQUIRE(h.lease.try_take());
  wait_until([&] { return h.window->open(); }, 10s, "the window to open");
  h.lock.set_hang(true);
  wait_until([&] { return !h.lease.held(); }, 10s, "the lease to lapse");
  wait_until([&] { return h.lease.lost(); }, 10s, "the lapse to outlast its limit");
  CHECK(h.window->closed());  // the sink fences itself
  h.lock.set_hang(false);
  // A confirmation after that does not reopen it.
  CHECK_FALSE(h.window->open());
}

}  // namespace cdc::pipeline
