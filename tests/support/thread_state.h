// What the kernel says a thread of this process is doing, so a test can wait until
// another thread is blocked (in a condition variable, a lock, a read) instead of guessing
// with a sleep. Linux only (/proc).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace cdc::test {

// The calling thread's id, for thread_is_sleeping() from another thread.
inline pid_t current_thread_id() { return ::gettid(); }

// True while thread `tid` of this process sleeps in the kernel (state S or D: waiting
// on a futex, I/O, ...); false when it runs, has ended, or `tid` is 0.
inline bool thread_is_sleeping(pid_t tid) {
  if (tid == 0) return false;
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  // "tid (comm) state ...": comm may hold spaces and parentheses, so the state follows the
  // last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  const char state = stat[close + 2];
  return state == 'S' || state == 'D';
}

}  // namespace cdc::test
