// The CPU time this process has used, for the benches' per-operation figures.
#pragma once

#include <sys/resource.h>

namespace cdc::bench {

// User plus system time of `who` (RUSAGE_SELF, RUSAGE_THREAD), in seconds.
inline double rusage_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// This process's.
inline double cpu_seconds() { return rusage_seconds(RUSAGE_SELF); }
// The calling thread's alone.
inline double thread_cpu_seconds() { return rusage_seconds(RUSAGE_THREAD); }

}  // namespace cdc::bench
