// `retainly-cdc forget`: empties the last-sent store (or one table's part of it), so what
// Retainly holds is no longer assumed and every field is sent again.
#include <iostream>

#include <fmt/format.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "pipeline/last_sent.h"

namespace cdc::cli {

int forget_command(const ForgetArgs& args) {
  try {
    const auto config = load_config(args.config);
    std::string table;
    if (!args.table.empty()) {
      // A table the mappings no longer name may still have entries: a qualified name is
      // taken as written.
      const auto mapper = load_mapper(config);
      table = args.table.find('.') != std::string::npos
                  ? args.table
                  : mapped_table(mapper, args.table).qualified();
    }
    // The daemon's filter goes on from what it read of the store and what it has in
    // flight, and would keep skipping what was just forgotten.
    const auto daemon_lock = lock_out_daemon(
        config, "forget", "it would go on skipping what it remembers. Stop it first");
    if (daemon_lock == nullptr) return kExitFailure;
    const uint64_t removed = pipeline::forget_last_sent(config, table);
    std::cout << fmt::format("forgot {} entries of the last-sent store{}\n", removed,
                             table.empty() ? "" : " sent by " + table);
    return kExitOk;
  } catch (...) {
    return report_current_exception("forget");
  }
}

}  // namespace cdc::cli
