// The send-only-what-changed filter alone (pipeline/changed_filter), as the stream drives it:
//
//   cdc_changed_filter_bench DIRECTORY CALLS [FIELDS] [CUSTOMERS]
//
// Hands CALLS customer upserts of FIELDS fields each to prepare(), then submitted(), and
// settles them in windows of 2,000 as a sink acknowledging at once would, committing as the
// filter decides. The first CUSTOMERS calls insert new customers (ids in order, every
// field new: the "every row changes" case of the stream benchmark); the rest update one
// field of a random known customer. Prints wall and CPU time per call for both phases.
// DIRECTORY must not exist (the store is created there and left for inspection).
//
// CPU per call: the calling thread's is what the stream pipeline's thread pays for the
// filter, the process's adds the store's commits on their own thread. Under
// `valgrind --tool=callgrind --separate-threads=yes` the instruction counts per thread
// compare builds on a busy machine.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/changed_filter.h"
#include "process_cpu.h"
#include "retainly/name.h"

namespace {

using cdc::retainly::Attribute;
using cdc::retainly::Call;
using cdc::retainly::CallKind;

using cdc::bench::cpu_seconds;
using cdc::bench::thread_cpu_seconds;

constexpr uint64_t kWindow = 2000;  // calls in flight before the sink acknowledges them

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DIRECTORY CALLS [FIELDS] [CUSTOMERS]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path directory = argv[1];
  const uint64_t calls = std::strtoull(argv[2], nullptr, 10);
  const size_t fields = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 5;
  const uint64_t customers = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : calls;
  if (std::filesystem::exists(directory)) {
    std::fprintf(stderr, "%s exists; give a new directory\n", directory.c_str());
    return 2;
  }
  // 16 GiB of map instead of 256: enough here, and valgrind can map it.
  cdc::state::LastSentStore store(directory, false, size_t{16} << 30);
  cdc::pipeline::ChangedFilter filter(store);
  const auto table = filter.table("public.users", true);
  // Interned, as a mapping's field names are: their hashes are worked out once, not on
  // every call as with names that own their text, which the stream never hands the filter
  // (callgrind, 200k inserts of five fields: 3,370 -> 3,185 instructions a call on the
  // calling thread, 2026-12-07).
  std::vector<cdc::retainly::Name> names;
  for (size_t f = 0; f < fields; ++f) {
    names.push_back(cdc::retainly::Name::interned("field_" + std::to_string(f)));
  }
  std::mt19937_64 rng(42);

  uint64_t sequence = 0;
  uint64_t sent = 0;
  auto run = [&](const char* what, uint64_t count, auto&& make) {
    const double cpu = cpu_seconds();
    const double thread_cpu = thread_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; ++i) {
      Call call = make(i);
      cdc::pipeline::ChangedFilter::Skipped skipped;
      if (filter.prepare(call, table, skipped)) {
        call.sequence = ++sequence;
        filter.submitted(call.sequence);
        ++sent;
      }
      if (sequence % kWindow == 0) filter.settled(sequence, {});
    }
    filter.settled(sequence, {});
    filter.commit_if_due(/*force=*/true);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto per_call = [&](double seconds) {
      return seconds * 1e6 / static_cast<double>(count);
    };
    fmt::print(
        "{:<8} {:>9} calls {:>7.2f} s {:>10.0f} calls/s {:>6.2f} us CPU/call in this thread, "
        "{:.2f} in the process\n",
        what, count, wall, static_cast<double>(count) / wall,
        per_call(thread_cpu_seconds() - thread_cpu), per_call(cpu_seconds() - cpu));
  };
  auto upsert = [&](uint64_t id, uint64_t version) {
    Call call;
    call.kind = CallKind::kCustomerUpsert;
    call.customer_id = std::to_string(id);
    call.attributes.reserve(names.size());
    for (size_t f = 0; f < names.size(); ++f) {
      const bool changed = version > 0 && f == version % names.size();
      call.attributes.push_back(
          Attribute{names[f], "\"value " + std::to_string(changed ? version : id) + "\""});
    }
    return call;
  };
  const uint64_t inserts = std::min(customers, calls);
  run("insert", inserts, [&](uint64_t i) { return upsert(i + 1, 0); });
  if (calls > inserts) {
    run("update", calls - inserts,
        [&](uint64_t i) { return upsert(rng() % inserts + 1, inserts + i + 1); });
  }
  fmt::print("{} calls sent of {}\n", sent, calls);
  return 0;
}
