// fill_unchanged(): what a re-read row puts into an update that left a column out.
#include <doctest/doctest.h>

#include <memory>

#include "core/row_fetcher.h"

using namespace cdc;

namespace {

std::shared_ptr<const TableSchema> orders_schema() {
  auto schema = std::make_shared<TableSchema>();
  schema->id = TableId{"public", "orders"};
  schema->columns = {{"user_id", "int8", true},
                     {"id", "int8", true},
                     {"status", "text", false},
                     {"details", "text", false}};
  return schema;
}

RowChange update(Row before, Row after) {
  RowChange change;
  change.op = Operation::kUpdate;
  change.table = orders_schema();
  change.before = std::move(before);
  change.after = std::move(after);
  return change;
}

}  // namespace

TEST_CASE("fill_unchanged: an update without an old image gets the value in both images") {
  RowChange change = update({}, Row{42, 7, "shipped", Unchanged{}});
  fill_unchanged(change, 3, Value("long text"));
  CHECK(change.after == Row{42, 7, "shipped", "long text"});
  // The key it kept, the value it left alone; what it changed stays unknown.
  CHECK(change.before == Row{42, 7, Unchanged{}, "long text"});
}

TEST_CASE("fill_unchanged: a key-only old image keeps its key; a sent value is never replaced") {
  RowChange change = update(Row{41, 7, Unchanged{}, Unchanged{}}, Row{42, 7, "s", Unchanged{}});
  fill_unchanged(change, 3, Value("d"));
  CHECK(change.before == Row{41, 7, Unchanged{}, "d"});
  CHECK(change.after == Row{42, 7, "s", "d"});
  // A column the update sent, and one the old image carries, stay as they are.
  fill_unchanged(change, 2, Value("other"));
  CHECK(change.after[2] == Value("s"));
  RowChange full = update(Row{42, 7, "placed", "old"}, Row{42, 7, "s", Unchanged{}});
  fill_unchanged(full, 3, Value("newer"));
  CHECK(full.after[3].is_unchanged());
  CHECK(full.before[3] == Value("old"));
  // Not an update: nothing.
  RowChange insert = update({}, Row{1, 2, "s", Unchanged{}});
  insert.op = Operation::kInsert;
  fill_unchanged(insert, 3, Value("x"));
  CHECK(insert.after[3].is_unchanged());
  CHECK(insert.before.empty());
}
