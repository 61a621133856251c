// Backfill against a table reader in memory and a sink whose answers the test gives:
// pages go out without waiting for the ones before (up to pages_in_flight), and the
// checkpoint only names a page whose calls, and every call before, were answered.
#include "pipeline/backfill.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "mapping/mapper.h"
#include "pipeline/backfill_checkpoint.h"
#include "pipeline/backfill_read_ahead.h"
#include "pipeline/changed_filter.h"
#include "pipeline/items_table.h"
#include "sink/fake_transport.h"
#include "state/atomic_file.h"
#include "support/temp_dir.h"
#include "support/wait_until.h"

using namespace cdc;
using namespace cdc::pipeline;
using namespace cdc::sink::testing;
using namespace std::chrono_literals;

using cdc::pipeline::testing::items_mapper;
using cdc::pipeline::testing::items_schema;

namespace {

constexpr const char* kMapping = cdc::pipeline::testing::kItemsMapping;

// Rows id 1..rows, in pages; the key is the id's text. Asked for a row past `fail_after`,
// it throws instead.
class MemoryReader final : public TableReader {
 public:
  explicit MemoryReader(int64_t rows, int64_t fail_after = INT64_MAX)
      : schema_(items_schema()), rows_(rows), fail_after_(fail_after) {}
  const std::shared_ptr<const TableSchema>& schema() const override { return schema_; }
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out) override {
    size_t taken = 0;
    for (; taken < max_rows && next_ <= rows_; ++taken, ++next_) {
      if (next_ > fail_after_) throw SourceError("the connection broke");
      RowChange& change = out.emplace_back();
      change.op = Operation::kSnapshotRead;
      change.table = schema_;
      change.after = {Value(next_), Value("name " + std::to_string(next_))};
      last_key_ = std::vector<std::string>{std::to_string(next_)};
    }
    return taken;
  }
  const std::optional<std::vector<std::string>>& last_key() const override { return last_key_; }
  void resume_after(std::vector<std::string> key) override { next_ = std::stoll(key.at(0)) + 1; }
  std::vector<std::string> key_columns() const override { return {"id"}; }
  uint64_t estimated_rows() const override { return static_cast<uint64_t>(rows_); }

 private:
  std::shared_ptr<const TableSchema> schema_;
  int64_t rows_;
  int64_t fail_after_;
  int64_t next_ = 1;
  std::optional<std::vector<std::string>> last_key_;
};

sink::SinkOptions sink_options(const std::string& dead_letter_path = {}) {
  sink::SinkOptions options;
  options.dead_letter_path = dead_letter_path;
  options.key = "k";
  options.secret = "s";
  options.flush_interval = std::chrono::hours(1);  // pages leave by the backfill's flush() alone
  return options;
}

const TableId kTable{"public", "items"};

// A backfill of public.items (10 rows) into a sink whose answers the test gives, run on a
// thread of its own.
struct BackfillRun {
  explicit BackfillRun(BackfillOptions options, const char* mapping = kMapping,
                       const std::string& dead_letter_path = {})
      : sink(sink_options(dead_letter_path), std::move(owned)),
        mapper(items_mapper(mapping)),
        backfill(
            mapper, sink, [](const TableId&) { return std::make_unique<MemoryReader>(10); },
            std::move(options)),
        run(std::async(std::launch::async, [this] {
          return backfill.run({kTable}, stop, [](const std::vector<const BackfillProgress*>&) {});
        })) {}
  // Should a check fail, the backfill is stopped so that the future's destructor does not
  // wait for answers that will never come.
  ~BackfillRun() { stop = true; }

  // Answers 200 to every request sent so far.
  void answer_sent() {
    for (const auto& request : transport.take_started()) {
      transport.answer(http_answer(request.id, 200));
    }
  }

  std::unique_ptr<FakeTransport> owned = std::make_unique<FakeTransport>();
  FakeTransport& transport = *owned;
  sink::Sink sink;
  const mapping::Mapper mapper;
  std::atomic<bool> stop{false};
  Backfill backfill;
  std::future<BackfillSummary> run;
};

}  // namespace

TEST_CASE("backfill: pages go out before earlier ones are answered; checkpoints follow answers") {
  test::TempDir dir("backfill");
  state::LastSentStore store(dir.path() / "last-sent");
  // No commit before the end but the backfill's own.
  ChangedFilter filter(store, {.commit_interval = 1h});
  std::optional<BackfillCheckpoint> checkpoint;
  {
    BackfillRun backfill(
        {.page_rows = 2, .pages_in_flight = 3, .state_dir = dir.path(), .filter = &filter});
    auto& sink = backfill.sink;
    auto& transport = backfill.transport;
    auto& run = backfill.run;

    // Three pages (six calls) are handed to the sink with none answered: reading and
    // sending overlap. A fourth waits for the first to be answered.
    test::wait_until([&] { return sink.last_submitted() == 6; }, 10s, "three pages sent");
    CHECK(sink.watermark() == 0);

    // Answer requests in order until the first page's two records are. (A request may
    // hold part of a page: the sink sends the first call at once when nothing is in
    // flight.)
    std::vector<StartedRequest> all;
    size_t answered = 0;
    size_t answered_records = 0;
    const auto records = [](const StartedRequest& request) {
      size_t count = 0;
      for (size_t at = 0; (at = request.body.find("\"id\":", at)) != std::string::npos; ++at) {
        ++count;
      }
      return count;
    };
    test::wait_until(
        [&] {
          for (auto& request : transport.take_started()) all.push_back(request);
          for (; answered < all.size() && answered_records < 2; ++answered) {
            transport.answer(http_answer(all[answered].id, 200));
            answered_records += records(all[answered]);
          }
          return answered_records >= 2;
        },
        10s, "the first page's records answered");
    // The fourth page goes out once the first one is answered, its commit under way. (The
    // requests answered may have held the second page too, and then the fifth follows at
    // once.)
    test::wait_until([&] { return sink.last_submitted() >= 8; }, 10s, "a fourth page sent");
    // Stopped there, with nothing more answered: the backfill commits what settled as it
    // ends, and the store's checkpoint counts the answered records at most.
    backfill.stop = true;
    CHECK_THROWS_AS(run.get(), Interrupted);
    checkpoint = load_checkpoint(store, kTable);
    REQUIRE(checkpoint.has_value());
    CHECK(checkpoint->rows >= 2);
    CHECK(checkpoint->rows <= answered_records);
  }
  REQUIRE(checkpoint->last_key);
  CHECK(*checkpoint->last_key == std::vector<std::string>{std::to_string(checkpoint->rows)});
  CHECK_FALSE(checkpoint->done);
}

TEST_CASE("backfill: pages go out as the ones before are answered, whatever the store's interval") {
  // The last-sent store commits at most once a commit interval and a commit is durable
  // only with the next one, so a window that waited for that sent a page per two
  // intervals (a 1M-row backfill took 40 s instead of 3), spinning meanwhile. The window
  // waits for answers only. Here the interval is an hour.
  test::TempDir dir("backfill_store");
  state::LastSentStore store(dir.path() / "last-sent");
  ChangedFilter filter(store, {.commit_interval = 1h});
  BackfillRun backfill(
      {.page_rows = 2, .pages_in_flight = 2, .state_dir = dir.path(), .filter = &filter});
  auto& sink = backfill.sink;
  auto& run = backfill.run;

  test::wait_until([&] { return sink.last_submitted() == 4; }, 10s, "two pages sent");
  // Every page answered as it comes: all five go out within the hour.
  test::wait_until(
      [&] {
        backfill.answer_sent();
        return sink.last_submitted() == 10;
      },
      10s, "every page sent as the ones before were answered");
  test::wait_until(
      [&] {
        backfill.answer_sent();
        return run.wait_for(0s) == std::future_status::ready;
      },
      10s, "the backfill to finish");
  const auto summary = run.get();
  CHECK(summary.rows == 10);
  CHECK(summary.calls == 10);
  const auto last = load_checkpoint(store, kTable);
  REQUIRE(last.has_value());
  CHECK(last->done);
  CHECK(last->rows == 10);
  CHECK(*last->last_key == std::vector<std::string>{"10"});
  CHECK(store.stats().customers == 10);
}

TEST_CASE("backfill: --resume continues after a checkpoint file of a version before the store") {
  test::TempDir dir("backfill_legacy");
  const auto legacy = legacy_checkpoint_path(dir.path(), kTable);
  state::write_file_atomically(
      legacy, R"({"table":"public.items","last_key":["4"],"rows":4,"done":false})");
  state::LastSentStore store(dir.path() / "last-sent");
  ChangedFilter filter(store);
  BackfillRun backfill(
      {.page_rows = 2, .resume = true, .state_dir = dir.path(), .filter = &filter});
  test::wait_until(
      [&] {
        backfill.answer_sent();
        return backfill.run.wait_for(0s) == std::future_status::ready;
      },
      10s, "the backfill to finish");
  const auto summary = backfill.run.get();
  CHECK(summary.rows == 6);  // rows 5 to 10
  const auto last = load_checkpoint(store, kTable);
  REQUIRE(last.has_value());
  CHECK(last->done);
  CHECK(last->rows == 10);
  // The store's checkpoint replaces the file.
  CHECK_FALSE(std::filesystem::exists(legacy));
}

TEST_CASE("backfill: without --resume, a checkpoint that cannot be read is replaced, not fatal") {
  test::TempDir dir("backfill_unreadable");
  state::LastSentStore store(dir.path() / "last-sent");
  {
    state::LastSentBatch batch;
    batch.set_progress(checkpoint_name(kTable), "not a checkpoint");
    store.apply(batch);
  }
  ChangedFilter filter(store);
  BackfillRun backfill({.page_rows = 2, .state_dir = dir.path(), .filter = &filter});
  test::wait_until(
      [&] {
        backfill.answer_sent();
        return backfill.run.wait_for(0s) == std::future_status::ready;
      },
      10s, "the backfill to finish");
  CHECK(backfill.run.get().rows == 10);
  const auto last = load_checkpoint(store, kTable);
  REQUIRE(last.has_value());
  CHECK(last->done);
}

TEST_CASE("backfill read-ahead: each page is stepped on the reading thread, in order") {
  MemoryReader reader(5);
  std::mutex mutex;
  std::vector<std::thread::id> step_threads;
  BackfillReadAhead pages(reader, 2, 1, [&](BackfillPage& page) {
    {
      std::lock_guard lock(mutex);
      step_threads.push_back(std::this_thread::get_id());
    }
    page.output.calls.resize(page.rows.size());
    page.rows = {};
  });
  std::vector<size_t> counts;
  std::vector<std::string> keys;
  while (auto page = pages.next()) {
    CHECK(page->rows.empty());
    CHECK(page->output.calls.size() == page->row_count);
    counts.push_back(page->row_count);
    keys.push_back(page->last_key.at(0));
  }
  CHECK(counts == std::vector<size_t>{2, 2, 1});
  CHECK(keys == std::vector<std::string>{"2", "4", "5"});
  std::lock_guard lock(mutex);
  REQUIRE(step_threads.size() == 3);
  for (const auto& id : step_threads) {
    CHECK(id == step_threads.front());
    CHECK(id != std::this_thread::get_id());
  }
}

TEST_CASE("backfill read-ahead: what the reader throws comes after the stepped pages before") {
  // Rows 1..4 read, the fifth throws: two whole pages, then the error.
  MemoryReader reader(10, 4);
  std::atomic<int> stepped{0};
  BackfillReadAhead pages(reader, 2, 2, [&](BackfillPage&) { ++stepped; });
  std::vector<std::string> keys;
  std::string error;
  try {
    while (auto page = pages.next()) keys.push_back(page->last_key.at(0));
  } catch (const SourceError& e) {
    error = e.what();
  }
  CHECK(keys == std::vector<std::string>{"2", "4"});
  CHECK(stepped.load() == 2);
  CHECK(error == "the connection broke");
}

TEST_CASE("backfill read-ahead: what a step throws reaches the consumer after the pages before") {
  MemoryReader reader(6);
  BackfillReadAhead pages(reader, 2, 4, [](BackfillPage& page) {
    if (page.last_key.at(0) == "4") throw std::runtime_error("mapping failed");
  });
  auto first = pages.next();
  REQUIRE(first.has_value());
  CHECK(first->row_count == 2);
  CHECK_THROWS_WITH_AS(pages.next(), "mapping failed", std::runtime_error);
}

TEST_CASE("backfill: rows the mapping refuses, mapped while read, are dead-lettered and counted") {
  // The name is no number: every row is refused, none is sent.
  constexpr const char* kRefusing = R"(
table: public.items
customer:
  id: id
  fields: { name: { column: name, type: number } }
)";
  test::TempDir dir("backfill");
  state::LastSentStore store(dir.path() / "last-sent");
  ChangedFilter filter(store, {.commit_interval = 1h});
  BackfillRun backfill({.page_rows = 3, .state_dir = dir.path(), .filter = &filter}, kRefusing,
                       (dir.path() / "dead-letters.jsonl").string());
  const BackfillSummary summary = backfill.run.get();
  CHECK(summary.rows == 10);
  CHECK(summary.rejections == 10);
  CHECK(summary.calls == 0);
  CHECK(backfill.sink.last_submitted() == 0);
  CHECK(backfill.sink.dead_letters().appended() == 10);
}
