// SIGTERM / SIGINT handling for the daemon: the first signal asks for a graceful stop,
// a second one ends the process at once. `run` also takes SIGHUP: reload the mappings.
#pragma once

#include <atomic>
#include <cstdint>

namespace cdc::cli {

enum class Reload { kNo, kOnSighup };

// Blocks SIGTERM and SIGINT (and SIGHUP with Reload::kOnSighup) in the calling thread
// (call before starting any other thread, so every thread inherits the mask) and starts
// a thread that waits for them. Returns the flag the first stop signal sets. Without
// kOnSighup, SIGHUP keeps its default action (a hung-up terminal ends a command).
const std::atomic<bool>& install_stop_signals(Reload reload = Reload::kNo);

// How many SIGHUPs arrived since the start (with Reload::kOnSighup).
const std::atomic<uint64_t>& reload_requests();

}  // namespace cdc::cli
