// The stream pipeline against a scripted source and a sink whose answers the test gives:
// when the calls it makes reach the sink.
#include "pipeline/stream_pipeline.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mapping/mapper.h"
#include "pipeline/items_table.h"
#include "sink/fake_transport.h"
#include "support/wait_until.h"

using namespace cdc;
using namespace cdc::pipeline;
using cdc::pipeline::testing::items_mapper;
using cdc::pipeline::testing::items_schema;
using cdc::sink::testing::FakeTransport;
using namespace std::chrono_literals;

namespace {

// Hands out the items it is given, in order; with none left, next() waits for more (past
// its timeout: the test decides when the pipeline may go on) and says it waits.
class ScriptedSource final : public ChangeSource {
 public:
  void add(SourceItem item) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(item));
    changed_.notify_all();
  }
  // True once next() found nothing left and waits.
  bool waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }
  void finish() {
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  void start() override {}
  SourceItem* next(std::chrono::milliseconds) override {
    std::unique_lock lock(mutex_);
    waiting_ = script_.empty();
    changed_.wait(lock, [&] { return !script_.empty() || finished_; });
    waiting_ = false;
    if (script_.empty()) return nullptr;
    handed_ = std::move(script_.front());
    script_.pop_front();
    return &handed_;
  }
  void acknowledge(const Position&) override {}
  void stop() override {}
  void set_tables(std::vector<TableId>) override {}

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<SourceItem> script_;
  SourceItem handed_;
  bool waiting_ = false;
  bool finished_ = false;
};

SourceItem insert(const std::shared_ptr<const TableSchema>& schema, int64_t id, uint64_t lsn) {
  RowChange change;
  change.op = Operation::kInsert;
  change.table = schema;
  change.after = {Value(id), Value("name " + std::to_string(id))};
  change.position = PgPosition{PgLsn{lsn}, 0};
  return change;
}

SourceItem commit(uint64_t lsn) {
  TransactionEnd end;
  end.position = PgPosition{PgLsn{lsn}, 0};
  return end;
}

}  // namespace

TEST_CASE("stream pipeline: a transaction's calls reach the sink at its end, not later") {
  auto owned = std::make_unique<FakeTransport>();
  FakeTransport& transport = *owned;
  sink::SinkOptions options;
  options.key = "k";
  options.secret = "s";
  sink::Sink sink(options, std::move(owned));
  const mapping::Mapper mapper = items_mapper();
  ScriptedSource source;
  PipelineOptions pipeline_options;
  pipeline_options.shutdown_timeout = 10ms;  // nothing is answered
  StreamPipeline pipeline(source, mapper, sink, pipeline_options);
  std::atomic<bool> stop{false};
  auto run = std::async(std::launch::async, [&] { pipeline.run(stop); });
  // Ends the run however the test ends (before `run` waits for it).
  struct EndRun {
    std::atomic<bool>& stop;
    ScriptedSource& source;
    ~EndRun() {
      stop = true;
      source.finish();
    }
  } end_run{stop, source};

  const auto schema = items_schema();
  // One transaction ended, the next begun: the source then has nothing more for now.
  source.add(insert(schema, 1, 10));
  source.add(commit(10));
  source.add(insert(schema, 2, 20));
  cdc::test::wait_until([&] { return source.waiting(); }, 10s, "the source to run dry");
  // The ended transaction's call is the sink's; the call of the one still open waits
  // with the pipeline for its end (or the upkeep after kChangesPerUpkeep changes).
  CHECK(sink.last_submitted() == 1);
  REQUIRE(transport.wait_started(1));
  CHECK(transport.take_started()[0].body == R"({"customers":[{"id":1,"name":"name 1"}]})");

  source.add(commit(20));
  cdc::test::wait_until([&] { return sink.last_submitted() == 2; }, 10s,
                        "the second transaction's call to reach the sink");
  stop = true;
  source.finish();
  run.get();  // rethrows what the run threw
}
