#include "cli/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "core/thread_name.h"
#include "ops/log.h"

namespace cdc::cli {
namespace {

std::atomic<uint64_t> reloads{0};

}  // namespace

const std::atomic<uint64_t>& reload_requests() { return reloads; }

const std::atomic<bool>& install_stop_signals(Reload reload) {
  static std::atomic<bool> stop{false};
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (reload == Reload::kOnSighup) sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    name_this_thread("cdc-signals");
    int count = 0;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        log::info("received SIGHUP: the mappings are read again at the next transaction");
        reloads.fetch_add(1);
        continue;
      }
      if (++count == 1) {
        log::info("received {}, finishing in-flight calls (send it again to stop at once)",
                  sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stop.store(true);
      } else {
        log::warn("second signal: exiting without draining");
        _exit(1);
      }
    }
  }).detach();
  return stop;
}

}  // namespace cdc::cli
