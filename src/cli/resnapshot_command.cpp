// `retainly-cdc resnapshot --table T`: ask the running daemon to send one table's current
// rows again, chunk by chunk between watermarks, while it keeps streaming.
#include <iostream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "core/errors.h"
#include "pipeline/resnapshot.h"

namespace cdc::cli {

int resnapshot_command(const ResnapshotArgs& args) {
  try {
    const auto config = load_config(args.config);
    const TableId table = mapped_table(load_mapper(config), args.table);
    pipeline::request_resnapshot(config.state_dir, table);
    std::cout << "re-snapshot of " << table.qualified()
              << " requested; the running daemon sends it while it streams\n";
    return kExitOk;
  } catch (...) {
    return report_current_exception("resnapshot");
  }
}

}  // namespace cdc::cli
