// Progress of a backfill or an initial snapshot, one line per table: rows done of the
// estimated total, rate and ETA. Redrawn in place on a terminal, logged every 10 s
// otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/backfill.h"

namespace cdc::cli {

// "1m05s", "12s".
std::string duration_text(double seconds);

class ProgressReport {
 public:
  explicit ProgressReport(bool terminal) : terminal_(terminal) {}
  void operator()(const std::vector<const pipeline::BackfillProgress*>& tables);

 private:
  bool terminal_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_log_{};
  std::map<std::string, uint64_t> first_rows_;  // rows done before this run, per table
  size_t lines_drawn_ = 0;
};

}  // namespace cdc::cli
