#include <filesystem>
#include <iostream>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "ops/log.h"
#include "pipeline/dry_run.h"
#include "pipeline/source_factory.h"
#include "pipeline/stream_pipeline.h"
#include "sink/sink.h"

namespace cdc::cli {

int run_command(const RunArgs& args) {
  const auto& stop = install_stop_signals();
  try {
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    auto tables = mapper.tables();
    log::info("loaded {} mapping(s) from {}", tables.size(), config.mappings_dir.string());
    // The dead-letter file and offsets live here; a first run creates it.
    std::filesystem::create_directories(config.state_dir);
    if (config.source.snapshot != config::SnapshotMode::kNever) {
      // Snapshots arrive with backfill; until then say so rather than pretend.
      log::warn(
          "source.snapshot: initial snapshots are not built yet; streaming changes from "
          "the slot's position only (set snapshot: never to silence this)");
    }
    auto source = pipeline::make_source(config, tables, /*read_only=*/args.dry_run);
    source->start();
    if (args.dry_run) {
      pipeline::run_dry(*source, mapper, stop, std::cout);
      source->stop();
      return kExitOk;
    }
    sink::Sink sink(config.sink, nullptr);
    pipeline::StreamPipeline stream(*source, mapper, sink, {config.shutdown_timeout});
    stream.run(stop);
    const auto& counters = stream.counters();
    log::info("stopped: {} transactions, {} changes, {} calls, {} dead-lettered by the mapping",
              counters.transactions, counters.changes, counters.calls, counters.rejections);
    return kExitOk;
  } catch (...) {
    return report_current_exception("run");
  }
}

}  // namespace cdc::cli
