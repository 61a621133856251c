// Read-only speed of the backfill's table readers, without mapping or delivery:
//
//   cdc_table_read_bench postgres DSN SCHEMA.TABLE [PAGE_ROWS]
//   cdc_table_read_bench mysql HOST:PORT USER SCHEMA.TABLE [PAGE_ROWS]   (password in
//                                                                         MYSQL_PWD)
//
// Reads every row of the table as a backfill would (PgBackfillReader or MysqlTableReader,
// page by page into cdc::Values) and prints the rows, the wall time and this process's CPU
// time per row: the reading side's share of a backfill's cost. Exits 1 on failure.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "connectors/mysql/mysql_table_reader.h"
#include "connectors/postgres/pg_backfill_reader.h"
#include "process_cpu.h"

namespace {

using cdc::bench::cpu_seconds;

cdc::TableId table_id(const std::string& text) {
  const auto dot = text.find('.');
  if (dot == std::string::npos) throw std::runtime_error("table must be SCHEMA.TABLE: " + text);
  return {text.substr(0, dot), text.substr(dot + 1)};
}

std::unique_ptr<cdc::TableReader> open(int argc, char** argv, size_t& page_rows) {
  const std::string kind = argc > 1 ? argv[1] : "";
  if (kind == "postgres" && argc >= 4) {
    if (argc > 4) page_rows = std::stoul(argv[4]);
    return std::make_unique<cdc::pg::PgBackfillReader>(argv[2], table_id(argv[3]));
  }
  if (kind == "mysql" && argc >= 5) {
    cdc::mysql::MysqlConnectOptions options;
    const std::string address = argv[2];
    const auto colon = address.rfind(':');
    options.host = address.substr(0, colon);
    options.port = std::stoi(address.substr(colon + 1));
    options.user = argv[3];
    if (const char* password = std::getenv("MYSQL_PWD")) options.password = password;
    if (argc > 5) page_rows = std::stoul(argv[5]);
    return std::make_unique<cdc::mysql::MysqlTableReader>(options, table_id(argv[4]));
  }
  throw std::runtime_error(
      "usage: cdc_table_read_bench postgres DSN SCHEMA.TABLE [PAGE_ROWS] | mysql HOST:PORT USER "
      "SCHEMA.TABLE [PAGE_ROWS]");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    size_t page_rows = 5000;
    if (argc < 2) open(argc, argv, page_rows);  // prints the usage
    auto reader = open(argc, argv, page_rows);
    const double cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    uint64_t rows = 0;
    uint64_t nulls = 0;  // counted, so the values are used
    std::vector<cdc::RowChange> page;
    for (;;) {
      page.clear();
      if (reader->next_batch(page_rows, page) == 0) break;
      rows += page.size();
      for (const auto& row : page) {
        for (const auto& value : row.after) nulls += value.is_null() ? 1 : 0;
      }
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    fmt::print("{} rows, {} NULLs, {:.3f} s wall, {:.3f} s CPU, {:.3f} us CPU/row\n", rows, nulls,
               wall, cpu, rows > 0 ? cpu * 1e6 / static_cast<double>(rows) : 0.0);
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cdc_table_read_bench: %s\n", error.what());
    return 1;
  }
}
