#include <fmt/ranges.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/exit_code.h"
#include "core/errors.h"
#include "ops/log.h"
#include "pipeline/dry_run.h"
#include "pipeline/last_sent.h"
#include "pipeline/table_reader_factory.h"

namespace cdc::cli {
namespace {

// Rows fetched per query: enough that a `where` skipping most rows costs few round trips.
constexpr size_t kMinBatchRows = 100;
constexpr size_t kMaxBatchRows = 1000;

}  // namespace

int preview_command(const PreviewArgs& args) {
  try {
    auto config = load_config(args.config);
    auto mapper = load_mapper(config);
    const TableId table = mapped_table(mapper, args.table);

    // An ordinary connection: no slot, no publication, no binlog stream. One read-only
    // snapshot for every page, so the rows shown are the table as of one moment and
    // nothing can be written.
    const auto reader_ptr = pipeline::table_reader_factory(config)(table);
    TableReader& reader = *reader_ptr;

    const size_t batch_rows = std::clamp(args.limit, kMinBatchRows, kMaxBatchRows);
    size_t rows_read = 0;
    size_t rows_shown = 0;
    size_t calls = 0;
    size_t rejections = 0;
    size_t skips = 0;
    std::vector<RowChange> batch;
    mapping::MappingOutput output;
    // The last-sent store, read only, when there is one: the rows show as a backfill would
    // send them.
    std::unique_ptr<state::LastSentStore> last_sent;
    std::optional<pipeline::ChangedFilter> changed;
    last_sent = pipeline::read_last_sent_store(config);
    if (last_sent != nullptr) {
      changed.emplace(*last_sent);
      pipeline::warn_if_last_sent_stale(config, *changed);
    }
    while (rows_shown < args.limit) {
      batch.clear();
      if (reader.next_batch(batch_rows, batch) == 0) break;
      for (const RowChange& change : batch) {
        ++rows_read;
        output.clear();
        mapper.map(change, output);
        if (changed) pipeline::apply_last_sent(output, mapper, *changed);
        if (output.calls.empty() && output.rejections.empty() && output.skips.empty()) continue;
        for (const auto& call : output.calls) {
          std::cout << pipeline::call_to_json_line(call) << '\n';
        }
        for (const auto& rejection : output.rejections) {
          std::cout << pipeline::rejection_to_json_line(rejection) << '\n';
        }
        for (const auto& skip : output.skips) {
          std::cout << pipeline::skip_to_json_line(skip) << '\n';
        }
        calls += output.calls.size();
        rejections += output.rejections.size();
        skips += output.skips.size();
        if (++rows_shown == args.limit) break;
      }
      std::cout.flush();
    }
    std::cout.flush();
    log::info(
        "preview of {}: {} row(s) read in key order ({}), {} shown as {} call(s), {} "
        "rejection(s) and {} skip(s); nothing was sent",
        table.qualified(), rows_read, fmt::join(reader.key_columns(), ", "), rows_shown, calls,
        rejections, skips);
    return kExitOk;
  } catch (...) {
    return report_current_exception("preview");
  }
}

}  // namespace cdc::cli
