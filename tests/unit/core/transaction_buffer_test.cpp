#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/transaction_buffer.h"

using namespace cdc;

namespace {

// A SpillStore in memory, shared with the test so it can look inside and outlive the
// buffer.
struct MemoryStoreState {
  std::vector<std::string> records;
  bool kept = false;
  bool destroyed = false;
  int stores_made = 0;
};

class MemoryStore final : public SpillStore {
 public:
  explicit MemoryStore(std::shared_ptr<MemoryStoreState> state) : state_(std::move(state)) {}
  ~MemoryStore() override {
    state_->destroyed = true;
    if (!state_->kept) state_->records.clear();
  }
  void append(std::string_view record) override { state_->records.emplace_back(record); }
  void keep() override { state_->kept = true; }
  void rewind() override { next_ = 0; }
  bool next(std::string& record) override {
    if (next_ >= state_->records.size()) return false;
    record = state_->records[next_++];
    return true;
  }

 private:
  std::shared_ptr<MemoryStoreState> state_;
  size_t next_ = 0;
};

SpillStoreFactory memory_stores(const std::shared_ptr<MemoryStoreState>& state) {
  return [state] {
    ++state->stores_made;
    return std::make_unique<MemoryStore>(state);
  };
}

auto users = std::make_shared<const TableSchema>(
    TableSchema{TableId{"public", "users"}, {{"id", "int8", true}, {"name", "text", false}}, 1});
auto orders = std::make_shared<const TableSchema>(
    TableSchema{TableId{"public", "orders"}, {{"id", "int8", true}}, 4});

RowChange change(int64_t id, const std::shared_ptr<const TableSchema>& table = users) {
  RowChange c;
  c.op = Operation::kInsert;
  c.table = table;
  c.after = table == users ? Row{id, std::string("user ") + std::to_string(id)} : Row{id};
  return c;
}

std::vector<int64_t> take_ids(TransactionBuffer& buffer) {
  std::vector<int64_t> ids;
  while (auto c = buffer.take()) ids.push_back(c->after[0].as<int64_t>());
  return ids;
}

}  // namespace

TEST_CASE("transaction buffer: within the budget nothing spills and memory goes back") {
  MemoryBudget budget(1 << 20);
  auto store = std::make_shared<MemoryStoreState>();
  {
    TransactionBuffer buffer(&budget, memory_stores(store));
    for (int64_t i = 1; i <= 100; ++i) buffer.append(change(i));
    CHECK(budget.used() > 100 * sizeof(RowChange));
    CHECK(buffer.spilled() == 0);
    CHECK(store->stores_made == 0);
    CHECK(take_ids(buffer).size() == 100);
    CHECK(budget.used() == 0);
  }
  CHECK(budget.used() == 0);
}

TEST_CASE("transaction buffer: past the budget the rest spills, and all come back in order") {
  MemoryBudget budget(20 * 1024);
  auto store = std::make_shared<MemoryStoreState>();
  TransactionBuffer buffer(&budget, memory_stores(store));
  for (int64_t i = 1; i <= 1000; ++i) buffer.append(change(i, i % 3 == 0 ? orders : users));
  CHECK(budget.used() <= budget.limit());
  CHECK(buffer.spilled() > 800);
  CHECK(store->stores_made == 1);
  std::vector<int64_t> ids;
  while (auto c = buffer.take()) {
    const int64_t id = c->after[0].as<int64_t>();
    ids.push_back(id);
    // The table object comes back itself, not a copy: consumers cache per schema object.
    CHECK(c->table == (id % 3 == 0 ? orders : users));
    if (id % 3 != 0) CHECK(c->after[1] == Value(std::string("user ") + std::to_string(id)));
  }
  REQUIRE(ids.size() == 1000);
  for (size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == static_cast<int64_t>(i + 1));
  CHECK(budget.used() == 0);
}

TEST_CASE("transaction buffer: once one change spilled, later ones spill too (order kept)") {
  MemoryBudget budget(64 * 1024);
  auto first_store = std::make_shared<MemoryStoreState>();
  auto second_store = std::make_shared<MemoryStoreState>();
  TransactionBuffer first(&budget, memory_stores(first_store));
  for (int64_t i = 1; i <= 2000; ++i) first.append(change(i));  // fills the budget
  TransactionBuffer second(&budget, memory_stores(second_store));
  second.append(change(1));  // spills: no room
  CHECK(second.spilled() == 1);
  CHECK(take_ids(first).size() == 2000);  // room again
  second.append(change(2));
  CHECK(second.spilled() == 2);
  CHECK(take_ids(second) == std::vector<int64_t>{1, 2});
}

TEST_CASE("transaction buffer: a discarded tag goes, in memory and in the store") {
  MemoryBudget budget(4 * 1024);
  auto store = std::make_shared<MemoryStoreState>();
  TransactionBuffer buffer(&budget, memory_stores(store));
  for (int64_t i = 1; i <= 300; ++i) buffer.append(change(i), static_cast<uint32_t>(i % 4));
  CHECK(buffer.spilled() > 0);
  buffer.discard(2);
  std::vector<int64_t> ids = take_ids(buffer);
  CHECK(ids.size() == 225);
  for (int64_t id : ids) CHECK(id % 4 != 2);
}

TEST_CASE("transaction buffer: a kept store reads back in a new buffer, discards included") {
  auto store = std::make_shared<MemoryStoreState>();
  {
    TransactionBuffer buffer(nullptr, memory_stores(store));  // everything to the store
    buffer.append(change(1), 0);
    buffer.append(change(2, orders), 1);
    buffer.append(change(3), 2);
    buffer.discard(1);
    buffer.keep();
    CHECK(buffer.spilled() == 3);
  }
  CHECK(store->destroyed);
  REQUIRE_FALSE(store->records.empty());
  TransactionBuffer reopened(std::make_unique<MemoryStore>(store));
  auto first = reopened.take();
  REQUIRE(first);
  CHECK(first->table->id == users->id);
  CHECK(first->table->columns.size() == 2);
  CHECK(first->after == Row{int64_t{1}, std::string("user 1")});
  auto second = reopened.take();
  REQUIRE(second);
  CHECK(second->after[0] == Value(int64_t{3}));
  CHECK_FALSE(reopened.take());
}

TEST_CASE("transaction buffer: a store that is not kept is gone with its buffer") {
  MemoryBudget budget(0);
  auto store = std::make_shared<MemoryStoreState>();
  {
    TransactionBuffer buffer(&budget, memory_stores(store));
    buffer.append(change(1));
    CHECK(store->records.size() == 2);  // the schema, then the change
  }
  CHECK(store->destroyed);
  CHECK(store->records.empty());
}

TEST_CASE("transaction buffer: without a store everything stays in memory") {
  TransactionBuffer buffer(nullptr, SpillStoreFactory{});
  for (int64_t i = 1; i <= 10; ++i) buffer.append(change(i));
  CHECK(buffer.spilled() == 0);
  CHECK(take_ids(buffer).size() == 10);
}
