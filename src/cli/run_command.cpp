#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "core/errors.h"
#include "ops/health_server.h"
#include "ops/log.h"
#include "pipeline/dry_run.h"
#include "pipeline/initial_snapshot.h"
#include "pipeline/last_sent.h"
#include "pipeline/metrics_report.h"
#include "pipeline/resnapshot_factory.h"
#include "pipeline/row_image_findings.h"
#include "pipeline/source_factory.h"
#include "pipeline/stream_pipeline.h"
#include "sink/sink.h"

namespace cdc::cli {
namespace {

// The `metrics:` endpoint, when configured: /metrics, /healthz, /readyz.
std::unique_ptr<ops::HealthServer> start_health_server(const config::ConnectorConfig& config,
                                                       const pipeline::StreamPipeline& stream,
                                                       const sink::Sink& sink,
                                                       const pipeline::Resnapshot& snapshot) {
  if (config.metrics_address.empty()) return nullptr;
  ops::HealthHandlers handlers;
  handlers.metrics = [&stream, &sink, &snapshot] {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return pipeline::metrics_text(
        stream.status(), sink.stats(), sink.failure(),
        std::chrono::duration_cast<std::chrono::microseconds>(now).count(), snapshot.progress());
  };
  handlers.readiness = [&stream, &sink] {
    return pipeline::readiness(stream.status(), sink.stats(), sink.failure());
  };
  auto server = std::make_unique<ops::HealthServer>(config.metrics_address, std::move(handlers));
  // The bound port, which differs from the configured one when that is 0 (any free port).
  log::info("metrics on http://{}:{}/metrics, probes on /healthz and /readyz",
            ops::split_host_port(config.metrics_address).first, server->port());
  return server;
}

}  // namespace

int run_command(const RunArgs& args) {
  const auto& stop = install_stop_signals(args.dry_run ? Reload::kNo : Reload::kOnSighup);
  try {
    // The text as started: a reload compares the file with it to name what needs a restart.
    const std::string config_text = pipeline::read_config_text(args.config);
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    auto tables = mapper.tables();
    log::info("loaded {} mapping(s) from {}", tables.size(), config.mappings_dir.string());
    if (args.dry_run) {
      // Nothing durable: no state_dir, no slot, no publication change, no stored position.
      auto source = pipeline::make_source(config, tables, /*read_only=*/true);
      // The last-sent store, read only, when there is one: calls show as they would go.
      std::unique_ptr<state::LastSentStore> last_sent;
      std::optional<pipeline::ChangedFilter> changed;
      last_sent = pipeline::read_last_sent_store(config);
      if (last_sent != nullptr) {
        changed.emplace(*last_sent);
        pipeline::warn_if_last_sent_stale(config, *changed);
      }
      source->start();
      pipeline::run_dry(*source, mapper, stop, std::cout, changed ? &*changed : nullptr);
      source->stop();
      return kExitOk;
    }
    // The dead-letter file and offsets live here; a first run creates it.
    std::filesystem::create_directories(config.state_dir);
    auto source = pipeline::make_source(config, tables);
    sink::Sink sink(config.sink, nullptr);
    auto lock = pipeline::make_instance_lock(config);
    pipeline::PipelineOptions options;
    options.shutdown_timeout = config.shutdown_timeout;
    options.lease = {config.lock_check_interval, config.lock_lease, config.takeover_delay};
    pipeline::StreamPipeline stream(*source, mapper, sink, options, lock.get());
    // Send only what changed: what Retainly holds from us, remembered across restarts.
    auto last_sent = pipeline::open_last_sent_store(config);
    pipeline::ChangedFilter changed(*last_sent);
    changed.set_owner_file(pipeline::last_sent_owner_file(config));
    changed.set_instance(lock->describe());
    changed.set_workspace(pipeline::workspace_name(config));
    stream.set_changed_filter(&changed);
    // Updates that left out values the mapping needs (unchanged TOAST) are read again.
    auto row_fetcher = pipeline::make_row_fetcher(config);
    stream.set_row_fetcher(row_fetcher.get());
    // Snapshots and re-snapshots, served beside the stream.
    auto resnapshot = pipeline::make_resnapshot(config);
    stream.set_resnapshot(resnapshot.get());
    pipeline::MappingReload reload(args.config, config_text, config, mapper);
    stream.set_reload(&reload_requests(), [&reload] { return reload.load(); });
    // Up before the source connects: /healthz answers and /readyz says why not yet.
    auto health = start_health_server(config, stream, sink, *resnapshot);
    // By the holder of the instance lock only, before the stream first starts: a mapping
    // that reads what the source does not log stops the daemon before anything is sent
    // (unless it says allow_partial), then the initial snapshot is requested.
    stream.set_before_first_start([&] {
      pipeline::refuse_partial_row_images(config, mapper);
      pipeline::request_initial_snapshot(config, tables);
    });
    stream.run(stop);
    const auto status = stream.status();
    uint64_t changes = 0;
    for (const auto& [table, counts] : status.changes) {
      for (uint64_t count : counts) changes += count;
    }
    log::info("stopped: {} transactions, {} changes, {} calls, {} dead-lettered by the mapping",
              status.transactions, changes, status.calls, status.rejections);
    return kExitOk;
  } catch (...) {
    return report_current_exception("run");
  }
}

}  // namespace cdc::cli
