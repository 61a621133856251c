// `retainly-cdc replay-dead-letters`: resend dead-lettered records after a fix, and keep
// in the file only what still fails.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>

#include "retainly/call.h"
#include "sink/sink.h"

namespace cdc::sink {

struct ReplayFilter {
  std::optional<std::string> table;        // only lines of this table ("public.users")
  std::optional<retainly::CallKind> kind;  // only lines of this call kind
};

struct ReplayResult {
  size_t resent = 0;        // lines resent
  size_t delivered = 0;     // calls among them acknowledged this time
  size_t failed_again = 0;  // calls among them dead-lettered again
  // Lines left as they were: filtered out, mapping rejections (there is no call to
  // resend), or unreadable.
  size_t kept = 0;
};

// Called with the calls a replay resends, once it holds the file alone and before the
// first is sent: what Retainly will hold changes behind the daemon's back (the last-sent
// store forgets it: pipeline/last_sent.h, forget_replayed()). What it throws stops the
// replay with nothing sent.
using BeforeResending = std::function<void(std::span<const retainly::Call>)>;

inline constexpr std::chrono::minutes kReplayTimeout{10};

// Resends every line of the dead-letter file `file` that matches `filter`, each payload
// as a call of its kind, through `sink` (whose sequences continue from its
// last_submitted()), and waits up to `timeout` for them to settle. Then rewrites `file`
// durably: the lines not resent, followed by every line appended since it was read -
// which includes the records that failed again when `sink` dead-letters into `file`.
// Refuses, throwing DeadLetterFileBusy before anything is sent, while another process
// (a daemon, a backfill, another replay) holds the file's DeadLetterLock; holds it
// exclusively from then on (through `sink`'s DeadLetterFile when that writes `file`).
// Throws std::runtime_error, leaving `file` unchanged, when the sink fails or the
// timeout passes (records already delivered are then resent by the next replay, which is
// harmless except for events); std::system_error on I/O failure.
ReplayResult replay_dead_letters(const std::filesystem::path& file, const ReplayFilter& filter,
                                 Sink& sink, std::chrono::milliseconds timeout = kReplayTimeout,
                                 const BeforeResending& before_resending = {});

// The call kind named `name` ("customer_upsert", ...), as retainly::to_string writes it.
std::optional<retainly::CallKind> parse_call_kind(std::string_view name);

}  // namespace cdc::sink
