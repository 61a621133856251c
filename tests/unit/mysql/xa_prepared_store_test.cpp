#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "connectors/mysql/xa_prepared_store.h"

namespace cdc::mysql {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const char* name) {
  auto dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  return dir;
}

auto items = std::make_shared<const TableSchema>(
    TableSchema{TableId{"app", "items"}, {{"id", "int", true}}, 3});

RowChange row(int64_t id) {
  RowChange c;
  c.table = items;
  c.after = {id};
  return c;
}

void prepare(XaPreparedStore& store, const std::string& xid, std::initializer_list<int64_t> ids) {
  TransactionBuffer rows(nullptr, store.factory());
  for (int64_t id : ids) rows.append(row(id));
  store.persist(xid, rows, static_cast<uint32_t>(ids.size()));
}

std::vector<int64_t> ids_of(TransactionBuffer& rows) {
  std::vector<int64_t> ids;
  while (auto c = rows.take()) ids.push_back(c->after[0].as<int64_t>());
  return ids;
}

}  // namespace

TEST_CASE("xa store: prepared rows survive a new process; a resolved one's files go") {
  const auto dir = fresh_dir("cdc_xa_store_test");
  {
    XaPreparedStore store(dir);
    prepare(store, "X'61',X'',1", {1, 2});
    prepare(store, "X'62',X'',1", {});
  }
  XaPreparedStore store(dir);
  auto kept = store.load();
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].xid == "X'61',X'',1");
  CHECK(kept[0].count == 2);
  CHECK(ids_of(*kept[0].rows) == std::vector<int64_t>{1, 2});
  CHECK(kept[0].rows->take() == std::nullopt);
  CHECK(kept[1].count == 0);
  const auto files = store.files_of("X'61',X'',1");
  REQUIRE(files.size() == 2);
  XaPreparedStore::remove(files);
  for (const auto& file : files) CHECK_FALSE(fs::exists(file));
  CHECK(XaPreparedStore(dir).load().size() == 1);
  fs::remove_all(dir);
}

TEST_CASE("xa store: an unmarked rows file and an older prepare of the same xid are leftovers") {
  const auto dir = fresh_dir("cdc_xa_store_leftovers");
  {
    XaPreparedStore store(dir);
    prepare(store, "X'61',X'',1", {1});
  }
  {
    // Prepared again after the first one was resolved, with the process killed before the
    // first one's files were removed.
    XaPreparedStore store(dir);
    prepare(store, "X'61',X'',1", {7});
  }
  std::ofstream(dir / "99999999999999999999-000001.rows") << "torn";
  XaPreparedStore store(dir);
  auto kept = store.load();
  REQUIRE(kept.size() == 1);
  CHECK(ids_of(*kept[0].rows) == std::vector<int64_t>{7});
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  // Read again (a prepare before the stored position is met again): the kept files of
  // that xid give way to the new ones.
  prepare(store, "X'61',X'',1", {7});
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
  fs::remove_all(dir);
}

}  // namespace cdc::mysql
