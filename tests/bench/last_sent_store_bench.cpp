// The last-sent store alone, as the filter writes it (pipeline/changed_filter.cpp):
//
//   cdc_last_sent_store_bench DIRECTORY CUSTOMERS [FIELDS] [UPDATES]
//
// Loads CUSTOMERS customers (ids 1..N, in order, as a stream of inserts or a backfill
// writes them) with FIELDS field stamps and one presence stamp each, committed in batches
// of 20,000 (ChangedFilterOptions::max_batch); then UPDATES read-modify-writes of one field
// of random customers in the same batches; then as many point reads; then forgets every
// value (LastSentStore::forget_values, as a stale store's start does). Prints the rates, this
// process's CPU time per operation, and the store's size on disk: total, per customer and
// per customer-field. DIRECTORY must not exist (it is created, and left for inspection).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "process_cpu.h"
#include "state/last_sent_store.h"

namespace {

using cdc::state::FieldStamp;

using cdc::bench::cpu_seconds;

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

constexpr size_t kBatch = 20000;

void report(const char* what, uint64_t ops, double wall, double cpu) {
  fmt::print("{:<8} {:>10} ops {:>8.2f} s {:>12.0f} ops/s {:>8.2f} us CPU/op\n", what, ops, wall,
             static_cast<double>(ops) / wall, cpu * 1e6 / static_cast<double>(ops));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIRECTORY CUSTOMERS [FIELDS] [UPDATES]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  const uint64_t customers = std::strtoull(argv[2], nullptr, 10);
  const size_t fields = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 10;
  const uint64_t updates = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1'000'000;
  if (std::filesystem::exists(directory)) {
    std::fprintf(stderr, "%s exists; give a new directory\n", directory.c_str());
    return 2;
  }
  // 16 GiB of map instead of 256: enough here, and valgrind can map it.
  cdc::state::LastSentStore store(directory, false, size_t{16} << 30);
  const uint16_t tag = store.table_tag("public.users");
  std::vector<std::string> names;
  for (size_t f = 0; f < fields; ++f) names.push_back("field_" + std::to_string(f));
  std::mt19937_64 rng(42);

  auto stamps_of = [&](uint64_t id) {
    std::vector<FieldStamp> stamps{{cdc::state::kPresenceName, tag, 0}};
    for (const auto& name : names) {
      stamps.push_back({cdc::state::field_name_hash(name), tag,
                        cdc::state::field_value_hash(name, std::to_string(id * 31 + rng() % 7))});
    }
    return stamps;
  };

  double cpu = cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  cdc::state::LastSentBatch batch;
  for (uint64_t id = 1; id <= customers; ++id) {
    batch.upsert_customer(std::to_string(id), stamps_of(id));
    if (batch.size() == kBatch || id == customers) {
      store.apply(batch);
      batch.clear();
    }
  }
  report("load", customers, since(start), cpu_seconds() - cpu);
  const auto loaded = store.stats();

  cpu = cpu_seconds();
  start = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= updates; ++i) {
    const std::string id = std::to_string(1 + rng() % customers);
    const auto& name = names[rng() % names.size()];
    const FieldStamp stamp{cdc::state::field_name_hash(name), tag,
                           cdc::state::field_value_hash(name, std::to_string(rng()))};
    batch.upsert_customer(id, std::span(&stamp, 1));
    if (batch.size() == kBatch || i == updates) {
      store.apply(batch);
      batch.clear();
    }
  }
  if (updates > 0) report("update", updates, since(start), cpu_seconds() - cpu);

  cpu = cpu_seconds();
  start = std::chrono::steady_clock::now();
  std::vector<FieldStamp> out;
  uint64_t found = 0;
  for (uint64_t i = 0; i < updates; ++i) {
    store.customer(std::to_string(1 + rng() % customers), out);
    found += out.empty() ? 0 : 1;
  }
  if (updates > 0) report("read", updates, since(start), cpu_seconds() - cpu);
  if (found != updates)
    std::fprintf(stderr, "only %llu reads found their customer\n",
                 static_cast<unsigned long long>(found));

  const auto after = store.stats();

  // What a stream start that finds the store stale does (ChangedFilter::check_resume):
  // every customer's value rewritten without its field stamps, then synced.
  cpu = cpu_seconds();
  start = std::chrono::steady_clock::now();
  const uint64_t forgotten = store.forget_values();
  store.sync();
  report("forget", customers, since(start), cpu_seconds() - cpu);
  fmt::print("forget dropped {} stamps; size after {} bytes\n", forgotten,
             store.stats().file_bytes);
  const double per_customer =
      static_cast<double>(loaded.file_bytes) / static_cast<double>(customers);
  fmt::print("size after load    {} bytes, {:.1f} per customer, {:.1f} per customer-field\n",
             loaded.file_bytes, per_customer, per_customer / static_cast<double>(fields));
  fmt::print("size after updates {} bytes, {:.1f} per customer\n", after.file_bytes,
             static_cast<double>(after.file_bytes) / static_cast<double>(customers));
  return 0;
}
