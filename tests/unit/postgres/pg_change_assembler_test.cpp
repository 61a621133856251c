// The ChangeAssembler: pgoutput messages in, RowChanges and TransactionEnds out.
#include <doctest/doctest.h>

#include <stdexcept>

#include "connectors/postgres/pg_change_assembler.h"
#include "connectors/postgres/pg_types.h"
#include "core/errors.h"
#include "pg_wire_builder.h"

namespace cdc::pg::testing {
namespace {

constexpr uint32_t kUsers = 16385;
constexpr uint32_t kOrders = 16390;
constexpr int64_t kBeginTime = 1'704'164'645'000'000;
constexpr int64_t kCommitTime = 1'704'164'646'000'000;

// users(id int8 key, email text, bio text)
WireBuilder users_relation(uint32_t stream_xid = 0) {
  return relation_msg(kUsers, "public", "users",
                      {{"id", oid::kInt8, true}, {"email", oid::kText}, {"bio", oid::kText}}, 'd',
                      stream_xid);
}

WireBuilder orders_relation() {
  return relation_msg(kOrders, "shop", "orders", {{"id", oid::kInt4, true}});
}

struct Harness {
  explicit Harness(int version = 2, ChangeAssembler::BufferFactory buffers = nullptr)
      : assembler(version, std::move(buffers)) {}

  // Feeds one message and returns what it completed.
  std::vector<SourceItem> feed(const WireBuilder& message) {
    std::vector<SourceItem> out;
    assembler.feed(message.view(), out);
    return out;
  }

  ChangeAssembler assembler;
};

const RowChange& change_at(const std::vector<SourceItem>& items, size_t i) {
  REQUIRE(i < items.size());
  REQUIRE(std::holds_alternative<RowChange>(items[i]));
  return std::get<RowChange>(items[i]);
}

const TransactionEnd& end_at(const std::vector<SourceItem>& items, size_t i) {
  REQUIRE(i < items.size());
  REQUIRE(std::holds_alternative<TransactionEnd>(items[i]));
  return std::get<TransactionEnd>(items[i]);
}

PgPosition pg_position(const Position& position) { return std::get<PgPosition>(position); }

TEST_CASE("assembler: a transaction is handed out at Commit, positioned by its end LSN") {
  Harness h;
  CHECK_FALSE(h.assembler.in_transaction());
  CHECK(h.feed(begin_msg(0x1000, kBeginTime, 740)).empty());
  CHECK(h.assembler.in_transaction());
  CHECK(h.feed(users_relation()).empty());
  CHECK(h.feed(insert_msg(kUsers, {text("1"), text("a@x.io"), null_col()})).empty());
  CHECK(h.feed(update_msg(kUsers, 0, {}, {text("1"), text("b@x.io"), text("hi")})).empty());
  CHECK(h.feed(delete_msg(kUsers, 'K', {text("1"), null_col(), null_col()})).empty());
  const auto items = h.feed(commit_msg(0x1000, 0x1028, kCommitTime));
  CHECK_FALSE(h.assembler.in_transaction());

  REQUIRE(items.size() == 4);
  const RowChange& insert = change_at(items, 0);
  CHECK(insert.op == Operation::kInsert);
  CHECK(insert.table->id == TableId{"public", "users"});
  CHECK(insert.before.empty());
  CHECK(insert.after == Row{int64_t{1}, "a@x.io", Null{}});
  CHECK(insert.commit_time_micros == kBeginTime);
  CHECK(pg_position(insert.position) == PgPosition{PgLsn{0x1028}, 0});

  const RowChange& update = change_at(items, 1);
  CHECK(update.op == Operation::kUpdate);
  CHECK(update.before.empty());  // no old tuple: empty, never guessed
  CHECK(update.after == Row{int64_t{1}, "b@x.io", "hi"});
  CHECK(pg_position(update.position) == PgPosition{PgLsn{0x1028}, 1});

  const RowChange& del = change_at(items, 2);
  CHECK(del.op == Operation::kDelete);
  CHECK(del.after.empty());
  CHECK(pg_position(del.position) == PgPosition{PgLsn{0x1028}, 2});

  const TransactionEnd& end = end_at(items, 3);
  CHECK(pg_position(end.position) == PgPosition{PgLsn{0x1028}, 3});
  CHECK(end.commit_time_micros == kBeginTime);
}

TEST_CASE("assembler: transactions come out in commit order with their own positions") {
  Harness h;
  h.feed(users_relation());
  std::vector<SourceItem> all;
  for (uint64_t end : {0x2000u, 0x3000u}) {
    h.feed(begin_msg(end - 0x10, kBeginTime, 1));
    h.feed(insert_msg(kUsers, {text(std::to_string(end)), null_col(), null_col()}));
    auto items = h.feed(commit_msg(end - 0x10, end, kCommitTime));
    all.insert(all.end(), items.begin(), items.end());
  }
  REQUIRE(all.size() == 4);
  CHECK(change_at(all, 0).after[0] == Value(int64_t{0x2000}));
  CHECK(pg_position(change_at(all, 0).position) < pg_position(end_at(all, 1).position));
  CHECK(pg_position(end_at(all, 1).position) < pg_position(change_at(all, 2).position));
  CHECK(pg_position(end_at(all, 3).position) == PgPosition{PgLsn{0x3000}, 1});
}

TEST_CASE("assembler: a transaction without changes still ends, so the slot can move") {
  Harness h;
  h.feed(begin_msg(0x10, kBeginTime, 5));
  const auto items = h.feed(commit_msg(0x10, 0x38, kCommitTime));
  REQUIRE(items.size() == 1);
  CHECK(pg_position(end_at(items, 0).position) == PgPosition{PgLsn{0x38}, 0});
}

TEST_CASE("pgoutput: update with unchanged TOAST column keeps the field (Unchanged, not NULL)") {
  Harness h;
  h.feed(users_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  h.feed(update_msg(kUsers, 0, {}, {text("7"), text("new@x.io"), unchanged()}));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  const RowChange& update = change_at(items, 0);
  REQUIRE(update.after.size() == 3);
  CHECK(update.after[2].is_unchanged());
  CHECK_FALSE(update.after[2].is_null());
}

TEST_CASE("assembler: a key-only old tuple gives the key and Unchanged for the rest") {
  Harness h;
  h.feed(users_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  // The server sends the non-key columns of a 'K' tuple as nulls: unknown, not null.
  h.feed(update_msg(kUsers, 'K', {text("7"), null_col(), null_col()},
                    {text("8"), text("e"), unchanged()}));
  h.feed(delete_msg(kUsers, 'K', {text("8"), null_col(), null_col()}));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  CHECK(change_at(items, 0).before == Row{int64_t{7}, Unchanged{}, Unchanged{}});
  CHECK(change_at(items, 0).after == Row{int64_t{8}, "e", Unchanged{}});
  CHECK(change_at(items, 1).before == Row{int64_t{8}, Unchanged{}, Unchanged{}});
  CHECK(change_at(items, 1).after.empty());
}

TEST_CASE("assembler: a full old tuple (REPLICA IDENTITY FULL) is read whole, NULLs included") {
  Harness h;
  h.feed(users_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  h.feed(update_msg(kUsers, 'O', {text("7"), text("a"), null_col()},
                    {text("7"), text("b"), null_col()}));
  h.feed(delete_msg(kUsers, 'O', {text("7"), text("b"), null_col()}));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  CHECK(change_at(items, 0).before == Row{int64_t{7}, "a", Null{}});
  CHECK(change_at(items, 1).before == Row{int64_t{7}, "b", Null{}});
}

TEST_CASE("assembler: truncate is one change per table, with empty rows") {
  Harness h;
  h.feed(users_relation());
  h.feed(orders_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  h.feed(truncate_msg({kUsers, kOrders}, 1));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  REQUIRE(items.size() == 3);
  CHECK(change_at(items, 0).op == Operation::kTruncate);
  CHECK(change_at(items, 0).table->id.qualified() == "public.users");
  CHECK(change_at(items, 0).before.empty());
  CHECK(change_at(items, 0).after.empty());
  CHECK(change_at(items, 1).table->id.qualified() == "shop.orders");
  CHECK(pg_position(change_at(items, 1).position).index == 1);
}

TEST_CASE("assembler: Message and Origin produce nothing") {
  Harness h;
  h.feed(begin_msg(0x10, kBeginTime, 5));
  WireBuilder origin;
  origin.ch('O').u64(9).str("upstream");
  CHECK(h.feed(origin).empty());
  WireBuilder message;
  message.ch('M').u8(1).u64(9).str("app").u32(2).raw("hi");
  CHECK(h.feed(message).empty());
  CHECK(h.feed(commit_msg(0x10, 0x20, kCommitTime)).size() == 1);
}

TEST_CASE("assembler: schema has qualified name, type names and key flags") {
  Harness h;
  h.feed(relation_msg(1, "", "pg_thing", {{"a", oid::kInt4Array, true}, {"b", oid::kJsonb}}));
  const auto schema = h.assembler.relation(1);
  REQUIRE(schema);
  CHECK(schema->id == TableId{"pg_catalog", "pg_thing"});
  REQUIRE(schema->columns.size() == 2);
  CHECK(schema->columns[0].name == "a");
  CHECK(schema->columns[0].type_name == "_int4");
  CHECK(schema->columns[0].is_key);
  CHECK(schema->columns[1].type_name == "jsonb");
  CHECK_FALSE(schema->columns[1].is_key);
  CHECK(h.assembler.relation(2) == nullptr);
}

TEST_CASE("assembler: a changed Relation makes a new schema version; a resent one does not") {
  Harness h;
  h.feed(users_relation());
  const auto first = h.assembler.relation(kUsers);
  h.feed(begin_msg(0x10, kBeginTime, 5));
  h.feed(insert_msg(kUsers, {text("1"), null_col(), null_col()}));

  h.feed(users_relation());  // resent after a cache invalidation: same shape
  CHECK(h.assembler.relation(kUsers) == first);

  h.feed(relation_msg(
      kUsers, "public", "users",
      {{"id", oid::kInt8, true}, {"email", oid::kText}, {"bio", oid::kText}, {"age", oid::kInt4}}));
  const auto second = h.assembler.relation(kUsers);
  CHECK(second != first);
  CHECK(second->version > first->version);
  h.feed(insert_msg(kUsers, {text("2"), null_col(), null_col(), text("30")}));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  CHECK(change_at(items, 0).table == first);  // read with the shape of its time
  CHECK(change_at(items, 1).table == second);
  CHECK(change_at(items, 1).after[3] == Value(int64_t{30}));

  h.feed(relation_msg(kUsers, "public", "users",
                      {{"id", oid::kInt8, true},
                       {"email", oid::kVarchar},
                       {"bio", oid::kText},
                       {"age", oid::kInt4}}));
  CHECK(h.assembler.relation(kUsers)->version > second->version);
}

TEST_CASE("assembler: custom types announced by Type read as text, their arrays as arrays") {
  Harness h;
  h.feed(type_msg(16400, "public", "mood"));
  h.feed(type_msg(16401, "public", "_mood"));
  h.feed(relation_msg(
      kUsers, "public", "people",
      {{"id", oid::kInt4, true}, {"mood", 16400}, {"moods", 16401}, {"shape", 99999}}));
  const auto schema = h.assembler.relation(kUsers);
  CHECK(schema->columns[1].type_name == "mood");
  CHECK(schema->columns[2].type_name == "_mood");
  CHECK(schema->columns[3].type_name == "oid:99999");
  h.feed(begin_msg(0x10, kBeginTime, 5));
  h.feed(insert_msg(kUsers, {text("1"), text("happy"), text("{happy,sad}"), text("(1,2)")}));
  const auto items = h.feed(commit_msg(0x10, 0x20, kCommitTime));
  CHECK(change_at(items, 0).after == Row{int64_t{1}, "happy", ValueArray{"happy", "sad"}, "(1,2)"});
}

TEST_CASE("assembler: streamed transaction is held until Stream Commit, in order") {
  Harness h;
  h.feed(stream_start_msg(100, true));
  CHECK(h.assembler.in_transaction());
  h.feed(users_relation(100));
  CHECK(h.feed(insert_msg(kUsers, {text("1"), null_col(), null_col()}, 100)).empty());
  CHECK(h.feed(insert_msg(kUsers, {text("2"), null_col(), null_col()}, 101)).empty());
  h.feed(stream_stop_msg());
  CHECK(h.assembler.in_transaction());  // open: neither committed nor aborted

  // A small transaction commits while the big one is still streaming.
  h.feed(begin_msg(0x500, kBeginTime, 200));
  h.feed(insert_msg(kUsers, {text("9"), null_col(), null_col()}));
  const auto small = h.feed(commit_msg(0x500, 0x510, kCommitTime));
  REQUIRE(small.size() == 2);
  CHECK(change_at(small, 0).after[0] == Value(int64_t{9}));
  CHECK(h.assembler.in_transaction());

  h.feed(stream_start_msg(100, false));
  h.feed(update_msg(kUsers, 0, {}, {text("3"), text("x"), unchanged()}, 101));
  h.feed(stream_stop_msg());
  const auto items = h.feed(stream_commit_msg(100, 0x600, 0x628, kCommitTime));
  CHECK_FALSE(h.assembler.in_transaction());
  REQUIRE(items.size() == 4);
  CHECK(change_at(items, 0).after[0] == Value(int64_t{1}));
  CHECK(change_at(items, 1).after[0] == Value(int64_t{2}));
  CHECK(change_at(items, 2).op == Operation::kUpdate);
  CHECK(change_at(items, 2).after[2].is_unchanged());
  CHECK(change_at(items, 2).commit_time_micros == kCommitTime);
  CHECK(pg_position(change_at(items, 2).position) == PgPosition{PgLsn{0x628}, 2});
  CHECK(pg_position(end_at(items, 3).position) == PgPosition{PgLsn{0x628}, 3});
}

TEST_CASE("assembler: Stream Abort of a subtransaction drops only its changes") {
  Harness h;
  h.feed(users_relation());
  h.feed(stream_start_msg(100, true));
  h.feed(insert_msg(kUsers, {text("1"), null_col(), null_col()}, 100));
  h.feed(insert_msg(kUsers, {text("2"), null_col(), null_col()}, 101));
  h.feed(insert_msg(kUsers, {text("3"), null_col(), null_col()}, 102));
  h.feed(stream_stop_msg());
  CHECK(h.feed(stream_abort_msg(100, 101)).empty());
  CHECK(h.assembler.in_transaction());
  const auto items = h.feed(stream_commit_msg(100, 0x600, 0x628, kCommitTime));
  REQUIRE(items.size() == 3);
  CHECK(change_at(items, 0).after[0] == Value(int64_t{1}));
  CHECK(change_at(items, 1).after[0] == Value(int64_t{3}));
  CHECK(pg_position(change_at(items, 1).position).index == 1);
}

// Spilled records kept in memory, counted, so a test sees what went to the "disk".
struct CountingStore final : SpillStore {
  explicit CountingStore(size_t* appended) : appended_(appended) {}
  void append(std::string_view record) override {
    records_.emplace_back(record);
    ++*appended_;
  }
  void keep() override {}
  void rewind() override { next_ = 0; }
  bool next(std::string& record) override {
    if (next_ >= records_.size()) return false;
    record = records_[next_++];
    return true;
  }
  size_t* appended_;
  std::vector<std::string> records_;
  size_t next_ = 0;
};

TEST_CASE("assembler: a streamed transaction beyond the budget spills, and comes out whole") {
  MemoryBudget budget(2048);  // a handful of changes
  size_t spilled_records = 0;
  Harness h(2, [&] {
    return std::make_unique<TransactionBuffer>(
        &budget, [&] { return std::make_unique<CountingStore>(&spilled_records); });
  });
  h.feed(users_relation());
  h.feed(stream_start_msg(100, true));
  for (int i = 1; i <= 200; ++i) {
    h.feed(insert_msg(kUsers, {text(std::to_string(i)), text("a@b"), null_col()},
                      i % 10 == 0 ? 101 : 100));
  }
  h.feed(stream_stop_msg());
  CHECK(budget.used() <= budget.limit());
  CHECK(spilled_records > 150);
  CHECK(h.feed(stream_abort_msg(100, 101)).empty());  // the subtransaction's 20 go
  const auto items = h.feed(stream_commit_msg(100, 0x600, 0x628, kCommitTime));
  REQUIRE(items.size() == 181);
  int64_t expected = 1;
  for (size_t i = 0; i < 180; ++i) {
    if (expected % 10 == 0) ++expected;
    CHECK(change_at(items, i).after[0] == Value(expected++));
    CHECK(change_at(items, i).after[1] == Value("a@b"));
    CHECK(change_at(items, i).table->id.qualified() == "public.users");
    CHECK(pg_position(change_at(items, i).position) == PgPosition{PgLsn{0x628}, uint32_t(i)});
  }
  CHECK(pg_position(end_at(items, 180).position) == PgPosition{PgLsn{0x628}, 180});
  CHECK(budget.used() == 0);
}

TEST_CASE("assembler: Stream Abort of the top-level transaction drops it whole") {
  Harness h;
  h.feed(users_relation());
  h.feed(stream_start_msg(100, true));
  h.feed(insert_msg(kUsers, {text("1"), null_col(), null_col()}, 100));
  h.feed(insert_msg(kUsers, {text("2"), null_col(), null_col()}, 101));
  h.feed(stream_stop_msg());
  CHECK(h.feed(stream_abort_msg(100, 100)).empty());
  CHECK_FALSE(h.assembler.in_transaction());
  CHECK_THROWS_WITH_AS(h.feed(stream_commit_msg(100, 1, 2, kCommitTime)),
                       doctest::Contains("transaction 100 was never streamed"), ProtocolError);
}

TEST_CASE("assembler: two streamed transactions are held apart") {
  Harness h;
  h.feed(users_relation());
  for (uint32_t xid : {100u, 200u}) {
    h.feed(stream_start_msg(xid, true));
    h.feed(insert_msg(kUsers, {text(std::to_string(xid)), null_col(), null_col()}, xid));
    h.feed(stream_stop_msg());
  }
  const auto second = h.feed(stream_commit_msg(200, 1, 0x700, kCommitTime));
  REQUIRE(second.size() == 2);
  CHECK(change_at(second, 0).after[0] == Value(int64_t{200}));
  CHECK(h.assembler.in_transaction());
  const auto first = h.feed(stream_commit_msg(100, 1, 0x800, kCommitTime));
  CHECK(change_at(first, 0).after[0] == Value(int64_t{100}));
  CHECK_FALSE(h.assembler.in_transaction());
}

TEST_CASE("assembler: binary values, unknown relations and wrong widths are protocol errors") {
  Harness h;
  h.feed(users_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  CHECK_THROWS_WITH_AS(h.feed(insert_msg(kUsers, {binary("\x01"), null_col(), null_col()})),
                       doctest::Contains("public.users.id arrived in binary format"),
                       ProtocolError);
  CHECK_THROWS_WITH_AS(h.feed(insert_msg(4242, {text("1")})),
                       "pgoutput Insert: relation oid 4242 was not announced by a Relation message",
                       ProtocolError);
  CHECK_THROWS_WITH_AS(h.feed(insert_msg(kUsers, {text("1")})),
                       "pgoutput Insert: tuple for public.users has 1 columns, the relation 3",
                       ProtocolError);
  CHECK_THROWS_AS(h.feed(truncate_msg({4242}, 0)), ProtocolError);
}

TEST_CASE("assembler: a value that does not parse names its column") {
  Harness h;
  h.feed(users_relation());
  h.feed(begin_msg(0x10, kBeginTime, 5));
  CHECK_THROWS_WITH_AS(h.feed(insert_msg(kUsers, {text("abc"), null_col(), null_col()})),
                       "pgoutput Insert: malformed PostgreSQL int8 value 'abc' in column "
                       "public.users.id",
                       ProtocolError);
}

TEST_CASE("assembler: messages out of transaction order are protocol errors") {
  SUBCASE("Commit without Begin") {
    Harness h;
    CHECK_THROWS_WITH_AS(h.feed(commit_msg(1, 2, 3)), doctest::Contains("Commit without Begin"),
                         ProtocolError);
  }
  SUBCASE("Begin inside a transaction") {
    Harness h;
    h.feed(begin_msg(1, 2, 3));
    CHECK_THROWS_AS(h.feed(begin_msg(1, 2, 4)), ProtocolError);
  }
  SUBCASE("a change outside any transaction") {
    Harness h;
    h.feed(users_relation());
    CHECK_THROWS_WITH_AS(h.feed(insert_msg(kUsers, {text("1"), null_col(), null_col()})),
                         doctest::Contains("change outside a transaction"), ProtocolError);
  }
  SUBCASE("Stream Stop without Stream Start") {
    Harness h;
    CHECK_THROWS_AS(h.feed(stream_stop_msg()), ProtocolError);
  }
  SUBCASE("Stream Start inside a transaction") {
    Harness h;
    h.feed(begin_msg(1, 2, 3));
    CHECK_THROWS_AS(h.feed(stream_start_msg(9, true)), ProtocolError);
  }
  SUBCASE("Stream Commit inside a stream block") {
    Harness h;
    h.feed(stream_start_msg(9, true));
    CHECK_THROWS_AS(h.feed(stream_commit_msg(9, 1, 2, 3)), ProtocolError);
  }
}

TEST_CASE("assembler: truncated input is an error naming the offset") {
  Harness h;
  const auto begin = begin_msg(0x10, kBeginTime, 5);
  std::vector<SourceItem> out;
  CHECK_THROWS_WITH_AS(h.assembler.feed(begin.prefix(12), out),
                       "pgoutput Begin at offset 9: commit timestamp: expected 8 bytes, only 3 "
                       "left",
                       ProtocolError);
}

TEST_CASE("assembler: protocol 1 refuses stream messages; other versions are refused") {
  Harness h(1);
  CHECK_THROWS_AS(h.feed(stream_start_msg(1, true)), ProtocolError);
  CHECK_THROWS_AS(ChangeAssembler(3), std::invalid_argument);
  CHECK_THROWS_AS(ChangeAssembler(0), std::invalid_argument);
}

}  // namespace
}  // namespace cdc::pg::testing
