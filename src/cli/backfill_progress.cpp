#include "cli/backfill_progress.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "ops/log.h"

namespace cdc::cli {

std::string duration_text(double seconds) {
  const auto whole = static_cast<long long>(seconds + 0.5);
  return whole >= 60 ? fmt::format("{}m{:02}s", whole / 60, whole % 60) : fmt::format("{}s", whole);
}

void ProgressReport::operator()(const std::vector<const pipeline::BackfillProgress*>& tables) {
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

}  // namespace cdc::cli
