#include "core/reader_thread.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"

namespace cdc {
namespace {

using namespace std::chrono_literals;

SourceItem end_of(uint32_t index) {
  TransactionEnd end;
  end.position = PgPosition{PgLsn{100}, index};
  return end;
}

uint32_t index_of(const SourceItem& item) {
  return std::get<PgPosition>(std::get<TransactionEnd>(item).position).index;
}

TEST_CASE("reader thread: items in order, then the loop's error once the queue is empty") {
  ReaderThread reader(4);
  reader.prepare();
  reader.launch([&] {
    for (uint32_t i = 1; i <= 3; ++i) reader.push(end_of(i), 100ms);
    throw SourceError("connection reset");
  });
  for (uint32_t i = 1; i <= 3; ++i) {
    const SourceItem* item = reader.next(5s);
    REQUIRE(item != nullptr);
    CHECK(index_of(*item) == i);
  }
  CHECK_THROWS_WITH_AS(reader.next(5s), "connection reset", SourceError);
  reader.stop();
}

TEST_CASE("reader thread: push_all hands over more items than the queue holds, in order") {
  ReaderThread reader(3);
  reader.prepare();
  std::atomic<bool> pushed{false};
  reader.launch([&] {
    std::vector<SourceItem> items;
    for (uint32_t i = 1; i <= 10; ++i) items.push_back(end_of(i));
    pushed = reader.push_all(items, 10ms);
    reader.push(end_of(11), 10ms);
  });
  for (uint32_t i = 1; i <= 11; ++i) {
    const SourceItem* item = nullptr;
    while (item == nullptr) item = reader.next(5s);
    CHECK(index_of(*item) == i);
    // What next() took from the queue at once and has not returned yet still counts.
    if (i == 11) CHECK(reader.queued() == 0);
  }
  CHECK(pushed.load());
  reader.stop();
}

TEST_CASE("reader thread: queued() counts items taken in a batch but not yet returned") {
  ReaderThread reader(8);
  reader.prepare();
  std::atomic<bool> pushed{false};
  reader.launch([&] {
    std::vector<SourceItem> items;
    for (uint32_t i = 1; i <= 4; ++i) items.push_back(end_of(i));
    pushed = reader.push_all(items, 10ms);
  });
  while (!pushed.load()) std::this_thread::yield();
  const SourceItem* first = reader.next(5s);
  REQUIRE(first != nullptr);
  CHECK(index_of(*first) == 1);
  CHECK(reader.queued() == 3);
  reader.stop();
}

TEST_CASE("reader thread: stop wakes a push_all blocked on a full queue") {
  ReaderThread reader(4);
  reader.prepare();
  std::atomic<bool> returned_false{false};
  reader.launch([&] {
    std::vector<SourceItem> items;
    for (uint32_t i = 1; i <= 5; ++i) items.push_back(end_of(i));
    returned_false = !reader.push_all(items, 10ms);
  });
  while (reader.queued() < 2) std::this_thread::yield();  // full: the rest waits
  CHECK(reader.stop());
  CHECK(returned_false.load());
}

TEST_CASE("reader thread: recycled rows come back to the loop in batches, large values dropped") {
  ReaderThread reader(4);
  Row spare;
  reader.take_spare_row(spare);
  CHECK(spare.capacity() == 0);  // nothing recycled yet
  std::vector<const Value*> storage;
  for (int i = 0; i < 64; ++i) {
    RowChange change;
    change.after = Row{Value(int64_t{i}), Value(std::string(1000, 'x')), Value("short")};
    storage.push_back(change.after.data());
    reader.recycle(SourceItem(std::move(change)));
    if (i < 63) {
      reader.take_spare_row(spare);
      CHECK(spare.capacity() == 0);  // handed back a batch at a time
    }
  }
  reader.recycle(SourceItem(TransactionEnd{}));  // nothing to reuse in it
  size_t taken = 0;
  for (;;) {
    Row row;
    reader.take_spare_row(row);
    if (row.capacity() == 0) break;
    ++taken;
    CHECK(std::find(storage.begin(), storage.end(), row.data()) != storage.end());
    REQUIRE(row.size() == 3);
    CHECK(row[1].is_unchanged());  // 1000 bytes: not kept
    CHECK(row[2] == Value("short"));
  }
  CHECK(taken == 64);
}

TEST_CASE("reader thread: long binlog file names of recycled changes come back to the loop") {
  ReaderThread reader(4);
  std::string spare;
  reader.take_spare_text(spare);
  CHECK(spare.empty());                                        // nothing recycled yet
  const std::string long_name = "mysql-bin-changelog.000001";  // past the inline buffer
  std::vector<const char*> buffers;
  for (int i = 0; i < 64; ++i) {
    RowChange change;
    BinlogPosition position;
    position.file = long_name;
    buffers.push_back(position.file.data());
    change.position = std::move(position);
    reader.recycle(SourceItem(std::move(change)));
    RowChange short_name;  // fits the inline buffer: nothing to hand back
    short_name.position = BinlogPosition{"binlog.000001", 4, "", 0};
    reader.recycle(SourceItem(std::move(short_name)));
  }
  size_t taken = 0;
  for (;;) {
    std::string text;
    reader.take_spare_text(text);
    if (text.empty()) break;
    ++taken;
    CHECK(std::find(buffers.begin(), buffers.end(), text.data()) != buffers.end());
    CHECK(text.capacity() >= long_name.size());
  }
  CHECK(taken == 64);
}

TEST_CASE("reader thread: stop wakes a push blocked on a full queue, and its error is dropped") {
  ReaderThread reader(1);
  reader.prepare();
  std::atomic<bool> first_taken{false};
  std::atomic<bool> returned_false{false};
  reader.launch([&] {
    first_taken = reader.push(end_of(1), 10ms);
    // The queue is full now: this waits until stop() closes it.
    returned_false = !reader.push(end_of(2), 10ms);
    throw SourceError("read cut short by the stop");
  });
  while (reader.queued() == 0) std::this_thread::yield();  // the first item is in
  bool interrupted = false;
  CHECK(reader.stop([&] { interrupted = true; }));
  CHECK(interrupted);
  CHECK(first_taken.load());
  CHECK(returned_false.load());
  CHECK_FALSE(reader.stop());  // already stopped
  // The error came after the stop was asked for: not reported.
  CHECK_NOTHROW(reader.next(10ms));
}

TEST_CASE("reader thread: a restart after a failure starts with no error and an empty queue") {
  ReaderThread reader(4);
  reader.prepare();
  reader.launch([&] {
    reader.push(end_of(1), 100ms);
    throw std::runtime_error("first loop failed");
  });
  const SourceItem* item = nullptr;
  while (item == nullptr) item = reader.next(5s);  // the first item
  CHECK_THROWS(reader.next(5s));
  reader.prepare();
  reader.launch([&] { reader.push(end_of(7), 100ms); });
  item = reader.next(5s);
  REQUIRE(item != nullptr);
  CHECK(index_of(*item) == 7);
  CHECK(reader.next(10ms) == nullptr);
  reader.stop();
}

}  // namespace
}  // namespace cdc
