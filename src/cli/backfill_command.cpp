// `retainly-cdc backfill`: send the current rows of mapped tables, e.g. for a new
// connector's existing data or after a mapping fix, resumable with --resume.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli/backfill_progress.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "ops/log.h"
#include "pipeline/backfill.h"
#include "pipeline/last_sent.h"
#include "pipeline/source_factory.h"
#include "pipeline/table_reader_factory.h"
#include "sink/sink.h"

namespace cdc::cli {
namespace {

void print_mirror(const pipeline::MirrorPlan& plan, bool dry_run, bool& refused) {
  if (!plan.customers_mirrored && !plan.items_mirrored) {
    std::cout << fmt::format(
        "mirror {}: nothing to mirror (its mapping neither deletes customers nor has array "
        "items)\n",
        plan.table);
    return;
  }
  const char* verb = !plan.refused.empty() ? "would have deleted"
                     : dry_run             ? "would delete"
                                           : "deleted";
  std::cout << fmt::format("mirror {}: {} {} of {} customers and {} of {} items\n", plan.table,
                           verb, plan.customer_deletes, plan.customers_held, plan.item_deletes,
                           plan.items_held);
  for (const auto& call : plan.deletes) {
    std::cout << fmt::format("  {} {}{}\n", retainly::to_string(call.kind), call.customer_id,
                             call.item_id.empty() ? "" : " " + call.field + "/" + call.item_id);
  }
  if (plan.deletes.size() < plan.customer_deletes + plan.item_deletes) {
    std::cout << "  ...\n";
  }
  if (!plan.refused.empty()) {
    std::cout << fmt::format("mirror {}: refused: {}\n", plan.table, plan.refused);
    refused = true;
  }
}

}  // namespace

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
    // Beside a daemon streaming the same source, a row read here could reach Retainly after
    // the stream's newer change to it and overwrite it, unnoticed. So a backfill takes the
    // daemon's instance lock, and holds it to the end: a daemon started meanwhile waits as
    // a standby. A dry run sends nothing and needs no lock.
    std::unique_ptr<InstanceLock> daemon_lock;
    if (!args.dry_run) {
      daemon_lock = lock_out_daemon(
          config, "backfill",
          fmt::format("rows read beside it could overwrite its newer changes in Retainly. Ask "
                      "it to send the tables instead, which it does safely beside the stream: "
                      "`retainly-cdc resnapshot -c {} [--table T]`; or stop it, backfill, "
                      "and start it again",
                      args.config));
      if (daemon_lock == nullptr) return kExitFailure;
    }
    // A dry run writes nothing durable: the store is read as it is, if there is one.
    std::unique_ptr<state::LastSentStore> last_sent;
    if (!args.dry_run) {
      std::filesystem::create_directories(config.state_dir);
      last_sent = pipeline::open_last_sent_store(config);
    } else {
      last_sent = pipeline::read_last_sent_store(config);
    }
    if (args.mirror && last_sent == nullptr) {
      std::cerr << "backfill --mirror: there is no last-sent store in "
                << pipeline::last_sent_directory(config).string()
                << " yet, so nothing is known to be sent\n";
      return kExitConfig;
    }
    std::optional<pipeline::ChangedFilter> changed;
    // The backfill commits whatever settled whenever the store's thread is free (no
    // interval): pages go out only once the last one is committed, so the less is left
    // then, the sooner.
    if (last_sent != nullptr) {
      changed.emplace(*last_sent, pipeline::ChangedFilterOptions{.commit_interval = {}});
      // As a stream's start does: a store that missed the other instance's calls forgets
      // its values (docs/last-sent-store.md). A dry run only reads the store.
      if (!args.dry_run) {
        changed->set_owner_file(pipeline::last_sent_owner_file(config));
        changed->set_instance(daemon_lock->describe());
        changed->set_workspace(pipeline::workspace_name(config));
        changed->check_resume(pipeline::stream_resume_position(config));
      } else {
        pipeline::warn_if_last_sent_stale(config, *changed);
      }
    }
    sink::Sink sink(config.sink, nullptr);
    pipeline::Backfill backfill(
        mapper, sink, pipeline::table_reader_factory(config),
        {.page_rows = config.backfill.page_rows,
         .connections = config.backfill.connections,
         .resume = args.resume,
         .state_dir = config.state_dir,
         .filter = changed ? &*changed : nullptr,
         .full = args.full,
         .mirror = args.mirror,
         .mirror_limits = {config.backfill.mirror_max_delete_share, args.force},
         .dry_run = args.dry_run});
    log::info("backfill of {} table(s), {} at once{}{}{}", tables.size(),
              config.backfill.connections, args.resume ? ", resuming" : "",
              args.full ? ", sending every field" : "", args.dry_run ? ", dry run" : "");
    ProgressReport report(::isatty(STDERR_FILENO) == 1);
    // The lock lives as long as its connection. It is confirmed with each progress report
    // (about once a second) and at the end: lost, a daemon may have started beside us.
    bool lock_lost = false;
    auto confirm_lock = [&] {
      if (daemon_lock == nullptr || lock_lost || daemon_lock->confirm()) return;
      lock_lost = true;
      log::error("backfill: lost the {}: a daemon may stream beside this backfill",
                 daemon_lock->describe());
    };
    const auto summary =
        backfill.run(tables, stop, [&](const std::vector<const pipeline::BackfillProgress*>& p) {
          report(p);
          confirm_lock();
        });
    confirm_lock();
    const double seconds = static_cast<double>(summary.elapsed.count()) / 1000;
    std::cout << fmt::format(
        "backfill {}: {} rows read, {} calls {}, {} skipped and {} fields left out (Retainly "
        "holds them from us), {} dead letters ({} refused by Retainly, {} by the mapping), {} "
        "({:.0f} rows/s)\n",
        args.dry_run ? "dry run done" : "done", summary.rows, summary.calls,
        args.dry_run ? "would be sent" : "sent", summary.calls_skipped, summary.fields_skipped,
        summary.dead_letters + summary.rejections, summary.dead_letters, summary.rejections,
        duration_text(seconds), seconds > 0 ? static_cast<double>(summary.rows) / seconds : 0.0);
    bool refused = false;
    for (const auto& mirror : summary.mirrors) print_mirror(mirror, args.dry_run, refused);
    if (lock_lost) {
      std::cerr << "backfill: the daemon's lock was lost while it ran, so rows it sent may "
                   "have overwritten newer changes a daemon streamed meanwhile; send the "
                   "tables again: `retainly-cdc resnapshot` beside the daemon, or this "
                   "backfill with it stopped\n";
      return kExitFailure;
    }
    return refused ? kExitFailure : kExitOk;
  } catch (...) {
    return report_current_exception("backfill");
  }
}

}  // namespace cdc::cli
