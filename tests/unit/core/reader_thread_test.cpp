#include "core/reader_thread.h"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

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
    auto item = reader.next(5s);
    REQUIRE(item.has_value());
    CHECK(index_of(*item) == i);
  }
  std::optional<SourceItem> item;
  CHECK_THROWS_WITH_AS(item = reader.next(5s), "connection reset", SourceError);
  reader.stop();
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
  std::optional<SourceItem> item;
  while (!item) item = reader.next(5s);  // the first item
  CHECK_THROWS(reader.next(5s));
  reader.prepare();
  reader.launch([&] { reader.push(end_of(7), 100ms); });
  item = reader.next(5s);
  REQUIRE(item.has_value());
  CHECK(index_of(*item) == 7);
  CHECK_FALSE(reader.next(10ms).has_value());
  reader.stop();
}

}  // namespace
}  // namespace cdc
