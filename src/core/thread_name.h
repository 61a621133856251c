// Names the calling thread, as `top -H`, `ps -L`, perf and /proc/PID/task/*/comm show it,
// so that an operator (or a benchmark) can tell the connector's threads apart.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace cdc {

// Linux keeps at most 15 bytes of a name; longer ones are cut.
inline void name_this_thread(std::string_view name) {
  const std::string kept(name.substr(0, 15));
  pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace cdc
