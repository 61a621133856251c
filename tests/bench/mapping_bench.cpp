// The mapping engine alone: Mapper::map over one prepared change, ROWS times, as the
// stream pipeline calls it (one reused MappingOutput, cleared per change).
//
//   cdc_mapping_bench [ROWS] [CASE]    (defaults 1000000, insert)
//
// CASE:
//   insert        an insert of a row with five mapped fields (mysql_stream_bench's table)
//   update        an update with its full old image changing three of them, send: changed
//                 (the old image is mapped too; two fields are left out)
//   update_all    the same update under send: all (no second mapping)
//   update_noold  the same update without an old image (REPLICA IDENTITY DEFAULT)
//   touch         a full-image update of an unmapped column only: no call at all
//   toast         update_noold with `note` left out (unchanged TOAST): a customer field
//                 whose id is the key, so no re-read is needed, only the full check
// A CASE ending in "+check" asks Mapper::needs_whole_row first, as the stream pipeline does
// with a row fetcher (PostgreSQL): its cost per change.
// Meant for instruction counts (perf stat -e instructions, valgrind --tool=callgrind),
// which the machine's load does not distort; it also prints the thread's CPU time per row,
// which the load does distort.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/row_change.h"
#include "mapping/mapper.h"
#include "mapping/mapping_loader.h"

namespace {

using cdc::Decimal;
using cdc::Operation;
using cdc::Row;
using cdc::RowChange;
using cdc::Value;

constexpr const char* kMapping = R"(
table: bench.items
customer:
  id: id
  fields: { name: name, visits: visits, balance: balance, updated_at: updated_at, note: note }
)";

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::shared_ptr<const cdc::TableSchema> schema() {
  auto s = std::make_shared<cdc::TableSchema>();
  s->id = cdc::TableId{"bench", "items"};
  for (const char* name : {"id", "name", "visits", "balance", "updated_at", "note", "seen"}) {
    s->columns.push_back(cdc::Column{name, "text", std::string_view(name) == "id"});
  }
  return s;
}

Row row(int64_t visits, const char* balance, const char* updated, const char* seen) {
  return Row{
      Value(int64_t{12345}),   Value(std::string("customer 12345")), Value(visits),
      Value(Decimal{balance}), Value(std::string(updated)),          Value(std::string("a note")),
      Value(std::string(seen))};
}

}  // namespace

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 1000000;
  std::string kind = argc > 2 ? argv[2] : "insert";
  const bool check = kind.ends_with("+check");
  if (check) kind.resize(kind.size() - 6);
  std::string yaml = kMapping;
  if (kind == "update_all") yaml = "send: all\n" + yaml;
  std::vector<cdc::mapping::TableMapping> mappings;
  mappings.push_back(cdc::mapping::parse_mapping(yaml, "items.yaml", {}));
  const cdc::mapping::Mapper mapper(std::move(mappings));

  RowChange change;
  change.table = schema();
  change.position = cdc::PgPosition{cdc::PgLsn{0x1000}, 0};
  if (kind == "insert") {
    change.op = Operation::kInsert;
    change.after = row(1, "9.99", "2024-01-01 00:00:00", "x");
  } else if (kind == "update" || kind == "update_all" || kind == "update_noold" ||
             kind == "toast") {
    change.op = Operation::kUpdate;
    if (kind == "update" || kind == "update_all") {
      change.before = row(1, "9.99", "2024-01-01 00:00:00", "x");
    }
    change.after = row(2, "19.98", "2024-01-02 00:00:00", "x");
    if (kind == "toast") change.after[5] = Value(cdc::Unchanged{});
  } else if (kind == "touch") {
    change.op = Operation::kUpdate;
    change.before = row(1, "9.99", "2024-01-01 00:00:00", "x");
    change.after = row(1, "9.99", "2024-01-01 00:00:00", "y");
  } else {
    std::fprintf(stderr, "unknown case %s\n", kind.c_str());
    return 2;
  }

  cdc::mapping::MappingOutput out;
  size_t calls = 0;
  size_t attributes = 0;
  size_t whole_rows = 0;
  const double start = thread_cpu_seconds();
  for (long i = 0; i < rows; ++i) {
    out.clear();
    if (check && mapper.needs_whole_row(change)) ++whole_rows;
    mapper.map(change, out);
    calls += out.calls.size();
    for (const auto& call : out.calls) attributes += call.attributes.size();
  }
  const double cpu = thread_cpu_seconds() - start;
  std::printf(
      "%s%s: %ld rows, %zu calls, %zu attributes, %zu to re-read, %.3f us CPU/row (loaded "
      "machine)\n",
      kind.c_str(), check ? "+check" : "", rows, calls, attributes, whole_rows,
      cpu * 1e6 / static_cast<double>(rows));
  return 0;
}
