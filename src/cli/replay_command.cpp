// `retainly-cdc replay-dead-letters`: resend what Retainly refused once the cause is
// fixed (a mapping, a field setting in Retainly), keeping in the file only what fails
// again.
#include <iostream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/last_sent.h"
#include "sink/replay.h"
#include "sink/sink.h"

namespace cdc::cli {

int replay_command(const ReplayArgs& args) {
  try {
    const auto config = load_config(args.config);
    sink::ReplayFilter filter;
    if (!args.table.empty()) filter.table = args.table;
    if (!args.kind.empty()) {
      filter.kind = sink::parse_call_kind(args.kind);
      if (!filter.kind) {
        throw ConfigError("--kind " + args.kind +
                          ": expected customer_upsert, customer_delete, array_upsert, "
                          "array_delete or event");
      }
    }
    sink::Sink sink(config.sink, nullptr);
    sink::ReplayResult result;
    try {
      result = sink::replay_dead_letters(
          config.sink.dead_letter_path, filter, sink, sink::kReplayTimeout,
          [&](std::span<const retainly::Call> calls) {
            const uint64_t dropped = pipeline::forget_replayed(config, calls);
            if (dropped > 0) {
              log::info(
                  "the last-sent store forgot {} field value(s) and item(s) that the resent "
                  "calls change: their next change sends them whatever the store held",
                  dropped);
            }
          });
    } catch (const std::runtime_error&) {
      // Say which failure it was, so a refused key exits 3 like everywhere else.
      if (auto failure = sink.failure(); failure && failure->kind == sink::FailureKind::kAuth) {
        throw AuthError(failure->message);
      }
      throw;
    }
    std::cout << "resent " << result.resent << ", delivered " << result.delivered
              << ", failed again " << result.failed_again << ", left in the file " << result.kept
              << " (" << config.sink.dead_letter_path << ")\n";
    return result.failed_again == 0 ? kExitOk : kExitFailure;
  } catch (...) {
    return report_current_exception("replay-dead-letters");
  }
}

}  // namespace cdc::cli
