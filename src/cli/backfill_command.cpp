// `retainly-cdc backfill`: send the current rows of mapped tables, e.g. for a new
// connector's existing data or after a mapping fix, resumable with --resume.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "cli/backfill_progress.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "ops/log.h"
#include "pipeline/backfill.h"
#include "pipeline/table_reader_factory.h"
#include "sink/sink.h"

namespace cdc::cli {

int backfill_command(const BackfillArgs& args) {
  const auto& stop = install_stop_signals();
  try {
    const auto config = load_config(args.config);
    const auto mapper = load_mapper(config);
    std::vector<TableId> tables;
    if (args.table.empty()) {
      tables = mapper.tables();
    } else {
      tables.push_back(mapped_table(mapper, args.table));
    }
    std::filesystem::create_directories(config.state_dir);
    sink::Sink sink(config.sink, nullptr);
    pipeline::Backfill backfill(mapper, sink, pipeline::table_reader_factory(config),
                                {.page_rows = config.backfill.page_rows,
                                 .connections = config.backfill.connections,
                                 .resume = args.resume,
                                 .state_dir = config.state_dir});
    log::info("backfill of {} table(s), {} at once{}", tables.size(), config.backfill.connections,
              args.resume ? ", resuming" : "");
    ProgressReport report(::isatty(STDERR_FILENO) == 1);
    const auto summary = backfill.run(tables, stop, std::ref(report));
    const double seconds = static_cast<double>(summary.elapsed.count()) / 1000;
    std::cout << fmt::format(
        "backfill done: {} rows read, {} calls sent, {} dead letters ({} refused by Retainly, {} "
        "by the mapping), {} ({:.0f} rows/s)\n",
        summary.rows, summary.calls, summary.dead_letters + summary.rejections,
        summary.dead_letters, summary.rejections, duration_text(seconds),
        seconds > 0 ? static_cast<double>(summary.rows) / seconds : 0.0);
    return kExitOk;
  } catch (...) {
    return report_current_exception("backfill");
  }
}

}  // namespace cdc::cli
