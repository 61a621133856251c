// `retainly-cdc resnapshot [--table T]`: ask the running daemon to send one table's (or
// every mapped table's) current rows again, chunk by chunk between watermarks, while it
// keeps streaming.
#include <iostream>
#include <vector>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "core/errors.h"
#include "pipeline/resnapshot.h"

namespace cdc::cli {

int resnapshot_command(const ResnapshotArgs& args) {
  try {
    const auto config = load_config(args.config);
    const auto mapper = load_mapper(config);
    const std::vector<TableId> tables =
        args.table.empty() ? mapper.tables() : std::vector{mapped_table(mapper, args.table)};
    for (const TableId& table : tables) {
      pipeline::request_resnapshot(config.state_dir, table);
      std::cout << "re-snapshot of " << table.qualified()
                << " requested; the running daemon sends it while it streams\n";
    }
    return kExitOk;
  } catch (...) {
    return report_current_exception("resnapshot");
  }
}

}  // namespace cdc::cli
