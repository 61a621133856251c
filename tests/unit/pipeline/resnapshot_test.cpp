// Resnapshot with a table in memory and a scripted stream: which rows a chunk hands out,
// and that its progress moves only with acknowledgements and survives new requests.
#include "pipeline/resnapshot.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "support/temp_dir.h"

using namespace cdc;
using namespace std::chrono_literals;
using cdc::pipeline::ResnapshotOrigin;
using nlohmann::json;

namespace {

const TableId kTable{"app", "items"};

std::shared_ptr<const TableSchema> items_schema() {
  static const auto schema = std::make_shared<const TableSchema>(
      TableSchema{kTable, {{"id", "int8", true}, {"name", "text", false}}, 1});
  return schema;
}

// The table's rows (id -> name) as they are when a chunk is read.
using Table = std::map<int64_t, std::string>;

// Reads `table` in id order after `after`, like PgBackfillReader.
class TableInMemory final : public TableReader {
 public:
  TableInMemory(const Table& table, std::optional<int64_t> after,
                std::vector<uint64_t> running = {})
      : table_(table), after_(after), running_(std::move(running)) {}
  const std::shared_ptr<const TableSchema>& schema() const override { return schema_; }
  size_t next_batch(size_t max_rows, std::vector<RowChange>& out) override {
    size_t n = 0;
    for (auto it = after_ ? table_.upper_bound(*after_) : table_.begin();
         it != table_.end() && n < max_rows; ++it, ++n) {
      RowChange row;
      row.op = Operation::kSnapshotRead;
      row.table = schema_;
      row.after = {Value(it->first), Value(it->second)};
      out.push_back(std::move(row));
      after_ = it->first;
      last_key_ = std::vector<std::string>{std::to_string(it->first)};
    }
    return n;
  }
  const std::optional<std::vector<std::string>>& last_key() const override { return last_key_; }
  void resume_after(std::vector<std::string> key) override { after_ = std::stoll(key.at(0)); }
  std::vector<std::string> key_columns() const override { return {"id"}; }
  uint64_t estimated_rows() const override { return table_.size(); }
  std::vector<uint64_t> running_transactions() const override { return running_; }

 private:
  Table table_;
  std::optional<int64_t> after_;
  std::vector<uint64_t> running_;
  std::optional<std::vector<std::string>> last_key_;
  std::shared_ptr<const TableSchema> schema_ = items_schema();
};

// The source log as the hooks write it: watermarks in order, read back by the test.
struct Fixture {
  test::TempDir dir{"resnapshot"};
  Table table;
  std::vector<uint64_t> running;  // the transactions the next chunk's read does not see
  std::vector<std::string> log;   // watermarks written, oldest first

  pipeline::ResnapshotHooks hooks() {
    return {.open_chunk =
                [this](const TableId& id, const std::optional<std::vector<std::string>>& after) {
                  CHECK(id == kTable);
                  std::optional<int64_t> key;
                  if (after) key = std::stoll(after->at(0));
                  return std::unique_ptr<TableReader>(new TableInMemory(table, key, running));
                },
            .emit_watermark = [this](const std::string& watermark) { log.push_back(watermark); }};
  }
  std::unique_ptr<pipeline::Resnapshot> make(size_t chunk_rows) {
    return std::make_unique<pipeline::Resnapshot>(dir.path(), hooks(), chunk_rows,
                                                  pipeline::ResnapshotTiming{0ms, 0ms});
  }
  // The stream delivers every watermark written so far; returns the ids of the rows
  // handed out at high watermarks.
  std::vector<int64_t> deliver(pipeline::Resnapshot& resnapshot) {
    std::vector<int64_t> ids;
    for (const auto& watermark : log) {
      for (const RowChange& row : resnapshot.on_watermark(watermark, Position{})) {
        ids.push_back(row.after.at(0).as<int64_t>());
      }
    }
    log.clear();
    return ids;
  }
  json progress() const {
    std::ifstream in(dir.path() / "resnapshot" / "app.items.json");
    if (!in) return nullptr;
    return json::parse(in);
  }
};

std::vector<int64_t> ids(int64_t first, int64_t last) {
  std::vector<int64_t> out;
  for (int64_t id = first; id <= last; ++id) out.push_back(id);
  return out;
}

}  // namespace

TEST_CASE("resnapshot: progress is stored only once the chunk's calls are acknowledged") {
  Fixture f;
  for (int64_t id = 1; id <= 5; ++id) f.table[id] = "row " + std::to_string(id);
  auto resnapshot = f.make(2);
  pipeline::request_resnapshot(f.dir.path(), kTable);

  resnapshot->poll();
  CHECK(f.deliver(*resnapshot) == ids(1, 2));
  resnapshot->chunk_submitted(10);
  // Read and handed to the sink, but not acknowledged: nothing stored yet.
  CHECK(f.progress().at("last_key").is_null());
  resnapshot->acknowledged(9);
  CHECK(f.progress().at("last_key").is_null());
  resnapshot->acknowledged(10);
  CHECK(f.progress().at("last_key") == json::array({"2"}));
  CHECK(f.progress().at("rows") == 2);

  // The next chunks are read at once, ahead of what is stored.
  resnapshot->poll();
  CHECK(f.deliver(*resnapshot) == ids(3, 4));
  resnapshot->chunk_submitted(20);
  resnapshot->poll();
  CHECK(f.deliver(*resnapshot) == ids(5, 5));
  resnapshot->chunk_submitted(30);
  resnapshot->acknowledged(25);
  CHECK(f.progress().at("last_key") == json::array({"4"}));
  // The last chunk is done only when acknowledged; then the file goes.
  resnapshot->acknowledged(30);
  CHECK(f.progress().is_null());
  const auto board = resnapshot->progress();
  REQUIRE(board.size() == 1);
  CHECK(board[0].table == "app.items");
  CHECK(board[0].rows == 5);
  CHECK(board[0].done);
}

TEST_CASE("resnapshot: after a restart, a chunk Retainly had not acknowledged is read again") {
  Fixture f;
  for (int64_t id = 1; id <= 6; ++id) f.table[id] = "row";
  {
    auto resnapshot = f.make(2);
    pipeline::request_resnapshot(f.dir.path(), kTable);
    resnapshot->poll();
    CHECK(f.deliver(*resnapshot) == ids(1, 2));
    resnapshot->chunk_submitted(1);
    resnapshot->acknowledged(1);
    resnapshot->poll();
    CHECK(f.deliver(*resnapshot) == ids(3, 4));
    resnapshot->chunk_submitted(2);
    // Killed before 3..4 were acknowledged.
  }
  auto restarted = f.make(2);
  restarted->poll();
  CHECK(f.deliver(*restarted) == ids(3, 4));
}

TEST_CASE("resnapshot: a request made while one runs for the same table is not lost") {
  Fixture f;
  for (int64_t id = 1; id <= 4; ++id) f.table[id] = "old mapping";
  auto resnapshot = f.make(2);
  pipeline::request_resnapshot(f.dir.path(), kTable);
  resnapshot->poll();
  // Asked again while the first chunk is in its window (say, after a mapping change),
  // and taken while that window is still open.
  pipeline::request_resnapshot(f.dir.path(), kTable);
  resnapshot->poll();
  CHECK(f.deliver(*resnapshot) == ids(1, 2));
  resnapshot->chunk_submitted(1);
  resnapshot->acknowledged(1);
  // That chunk's rows are delivered, but the table starts over.
  CHECK(f.progress().at("last_key").is_null());

  std::vector<int64_t> sent;
  for (uint64_t sequence = 2; sequence < 10; ++sequence) {
    resnapshot->poll();
    const auto chunk = f.deliver(*resnapshot);
    sent.insert(sent.end(), chunk.begin(), chunk.end());
    resnapshot->chunk_submitted(sequence);
    resnapshot->acknowledged(sequence);
  }
  // The second request starts over from the first row and reads the whole table.
  CHECK(sent == std::vector<int64_t>{1, 2, 3, 4});
  CHECK(f.progress().is_null());
}

TEST_CASE("resnapshot: every request is a file of its own") {
  test::TempDir dir("resnapshot_requests");
  pipeline::request_resnapshot(dir.path(), kTable);
  pipeline::request_resnapshot(dir.path(), kTable, ResnapshotOrigin::kInitialSnapshot);
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir.path() / "resnapshot" / "requests")) {
    CHECK(entry.path().extension() == ".json");
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE("resnapshot: chunk rows changed between the watermarks are left to the stream") {
  Fixture f;
  for (int64_t id = 1; id <= 3; ++id) f.table[id] = "chunk";
  auto resnapshot = f.make(10);
  pipeline::request_resnapshot(f.dir.path(), kTable);
  resnapshot->poll();
  REQUIRE(f.log.size() == 2);
  RowChange update;
  update.op = Operation::kUpdate;
  update.table = items_schema();
  update.after = {Value(int64_t{2}), Value("streamed")};
  // Before the low watermark the chunk row is newer than the change: the change may be
  // mapped as a difference.
  CHECK_FALSE(resnapshot->observe(update));
  CHECK(resnapshot->on_watermark(f.log[0], Position{}).empty());  // low
  // In the window the change stands in for the chunk row: it must be mapped whole.
  CHECK(resnapshot->observe(update));
  std::vector<int64_t> sent;
  for (const RowChange& row : resnapshot->on_watermark(f.log[1], Position{})) {
    sent.push_back(row.after.at(0).as<int64_t>());
  }
  CHECK(sent == std::vector<int64_t>{1, 3});
}

TEST_CASE("resnapshot: a chunk that cannot start is tried again later, not thrown") {
  Fixture f;
  f.table[1] = "row";
  auto hooks = f.hooks();
  int failures = 1;
  hooks.emit_watermark = [&](const std::string& watermark) {
    if (failures-- > 0) throw SourceError("server gone");
    f.log.push_back(watermark);
  };
  pipeline::Resnapshot resnapshot(f.dir.path(), hooks, 10, {.scan_interval = 0ms});
  pipeline::request_resnapshot(f.dir.path(), kTable);
  CHECK_NOTHROW(resnapshot.poll());
  CHECK(f.log.empty());
  resnapshot.poll();  // within the pause: no attempt
  CHECK(f.log.empty());
  pipeline::Resnapshot retrying(f.dir.path(), hooks, 10, {0ms, 0ms});
  retrying.poll();
  CHECK(f.log.size() == 2);  // the low and the high watermark of the next attempt
}

TEST_CASE("resnapshot: a chunk whose read missed a transaction delivered before it is read again") {
  Fixture f;
  for (int64_t id = 1; id <= 3; ++id) f.table[id] = "before";
  f.running = {7, 9};
  auto hooks = f.hooks();
  // The stream delivered transaction 9 before the low watermark's position 200.
  std::vector<Position> asked;
  hooks.delivered_before = [&](const std::vector<uint64_t>& running, const Position& low) {
    asked.push_back(low);
    const auto& at = std::get<PgPosition>(low);
    return at.commit_end.value >= 200 &&
           std::find(running.begin(), running.end(), 9) != running.end();
  };
  pipeline::Resnapshot resnapshot(f.dir.path(), hooks, 10, {0ms, 0ms});
  pipeline::request_resnapshot(f.dir.path(), kTable);
  const Position low{PgPosition{PgLsn{200}, 0}};
  const Position high{PgPosition{PgLsn{300}, 0}};

  resnapshot.poll();
  REQUIRE(f.log.size() == 2);
  CHECK(resnapshot.on_watermark(f.log[0], low).empty());
  CHECK(asked == std::vector<Position>{low});
  // The chunk holds the rows as they were before transaction 9: none of them is sent,
  // and reading does not move on.
  CHECK(resnapshot.on_watermark(f.log[1], high).empty());
  resnapshot.chunk_submitted(0);
  resnapshot.acknowledged(0);
  CHECK(f.progress().at("last_key").is_null());
  CHECK(f.progress().at("rows") == 0);

  // Read again once the transaction is visible: from the same first row, now current.
  f.log.clear();
  f.table[2] = "after";
  f.running = {7};
  resnapshot.poll();
  REQUIRE(f.log.size() == 2);
  CHECK(resnapshot.on_watermark(f.log[0], low).empty());
  std::vector<std::string> names;
  for (const RowChange& row : resnapshot.on_watermark(f.log[1], high)) {
    names.push_back(row.after.at(1).as<std::string>());
  }
  CHECK(names == std::vector<std::string>{"before", "after", "before"});
}
