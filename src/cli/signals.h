// SIGTERM / SIGINT handling for the daemon: the first signal asks for a graceful stop,
// a second one ends the process at once.
#pragma once

#include <atomic>

namespace cdc::cli {

// Blocks SIGTERM and SIGINT in the calling thread (call before starting any other thread,
// so every thread inherits the mask) and starts a thread that waits for them. Returns
// the flag the first signal sets.
const std::atomic<bool>& install_stop_signals();

}  // namespace cdc::cli
