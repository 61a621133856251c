// `retainly-cdc backfill`: send the current rows of mapped tables, e.g. for a new
// connector's existing data or after a mapping fix, resumable with --resume.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "cli/signals.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/backfill.h"
#include "sink/sink.h"

namespace cdc::cli {
namespace {

// "1m05s", "12s".
std::string duration_text(double seconds) {
  const auto whole = static_cast<long long>(seconds + 0.5);
  return whole >= 60 ? fmt::format("{}m{:02}s", whole / 60, whole % 60) : fmt::format("{}s", whole);
}

// One line per table: rows done / estimated total, rate, ETA.
class ProgressReport {
 public:
  explicit ProgressReport(bool terminal) : terminal_(terminal) {}

  void operator()(const std::vector<const pipeline::BackfillProgress*>& tables) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - started_).count();
    if (!terminal_ && now - last_log_ < std::chrono::seconds(10)) return;
    last_log_ = now;
    std::string text;
    for (const auto* table : tables) {
      const uint64_t rows = table->rows.load();
      const uint64_t first = first_rows_.try_emplace(table->table, rows).first->second;
      const double rate = seconds > 0 ? static_cast<double>(rows - first) / seconds : 0;
      std::string line = fmt::format("{}: {} rows", table->table, rows);
      if (table->skipped.load()) {
        line += " (done before)";
      } else if (table->finished.load()) {
        line += " done";
      } else {
        const uint64_t total = std::max(table->estimated_rows, rows);
        if (total > 0) line += fmt::format(" of ~{} ({:.0f}%)", total, 100.0 * rows / total);
        line += fmt::format(", {:.0f} rows/s", rate);
        if (rate > 0 && total > rows) {
          line += ", ETA " + duration_text(static_cast<double>(total - rows) / rate);
        }
      }
      if (terminal_) {
        text += "\33[2K" + line + "\n";
      } else {
        log::info("backfill progress: {}", line);
      }
    }
    if (!terminal_) return;
    // Redraw the block in place.
    if (lines_drawn_ > 0) std::fprintf(stderr, "\33[%zuA", lines_drawn_);
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
    lines_drawn_ = tables.size();
  }

 private:
  bool terminal_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_log_{};
  std::map<std::string, uint64_t> first_rows_;  // rows done before this run, per table
  size_t lines_drawn_ = 0;
};

}  // namespace

int backfill_command(const BackfillArgs& args) {
  const auto& stop = install_stop_signals();
  try {
    const auto config = load_config(args.config);
    if (config.source.type != config::SourceType::kPostgres) {
      throw ConfigError(config.file.string() +
                        ": source.type: backfill supports PostgreSQL sources only for now");
    }
    const auto mapper = load_mapper(config);
    std::vector<TableId> tables;
    if (args.table.empty()) {
      tables = mapper.tables();
    } else {
      tables.push_back(mapped_table(mapper, args.table));
    }
    std::filesystem::create_directories(config.state_dir);
    sink::Sink sink(config.sink, nullptr);
    const std::string dsn = config.source.postgres.dsn;
    pipeline::Backfill backfill(
        mapper, sink,
        [&dsn](const TableId& table) { return std::make_unique<pg::PgBackfillReader>(dsn, table); },
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
