// The last-sent store's two forms of a customer's value: a layout's id and the field
// hashes, and whole stamps (stores written before layouts, and customers with no layout).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "state/kv_store.h"
#include "state/last_sent_store.h"
#include "state/stamp_layouts.h"
#include "support/temp_dir.h"
#include "unit/state/stamp_helpers.h"

using cdc::state::FieldStamp;
using cdc::state::KvStore;
using cdc::state::LastSentBatch;
using cdc::state::LastSentStore;
using cdc::state::StampLayouts;
using cdc::test::customer;
using cdc::test::field;
using cdc::test::presence;
using cdc::test::sorted;

namespace {

// The store's databases, in its order, for looking at its bytes.
const std::vector<std::string> kDatabases{"customers", "items", "tables"};
constexpr KvStore::Db kCustomers = 0;
constexpr KvStore::Db kTables = 2;

// The bytes the store keeps for a customer (the store closed).
std::string stored_value(const std::filesystem::path& dir, std::string_view id) {
  KvStore raw(dir, kDatabases);
  return std::string(raw.get(kCustomers, cdc::state::customer_key(id)).value_or(""));
}

// Whole stamps, as stores written before layouts hold them.
std::string whole_stamps(const std::vector<FieldStamp>& stamps) {
  std::string out;
  for (const auto& s : sorted(stamps)) {
    char bytes[cdc::state::kStampBytes];
    std::memcpy(bytes, &s.name, 4);
    std::memcpy(bytes + 4, &s.table, 2);
    std::memcpy(bytes + 6, &s.value, 8);
    out.append(bytes, sizeof bytes);
  }
  return out;
}

}  // namespace

TEST_CASE("stamp layouts: customers of one mapping take 3 bytes and 8 a field") {
  const cdc::test::TempDir scratch("cdc_layouts_size");
  const auto dir = scratch.path() / "ls";
  {
    LastSentStore store(dir);
    LastSentBatch batch;
    for (int id = 1; id <= 3; ++id) {
      const std::string n = std::to_string(id);
      batch.upsert_customer(
          n, std::vector{presence(1), field("email", n), field("plan", n), field("age", n)});
    }
    // A customer that is not new goes the searching way, and lands in the same layout.
    batch.upsert_customer("2", std::vector{field("plan", "x")});
    store.apply(batch);
    CHECK(customer(store, "2") ==
          sorted({presence(1), field("email", "2"), field("plan", "x"), field("age", "2")}));
  }
  for (const char* id : {"1", "2", "3"}) CHECK(stored_value(dir, id).size() == 3 + 3 * 8);
  // One layout, kept beside the tables: the three customers name it.
  KvStore raw(dir, kDatabases);
  CHECK(raw.get(kTables, std::string("\0layout\0\0\1", 10)).has_value());
  CHECK_FALSE(raw.get(kTables, std::string("\0layout\0\0\2", 10)).has_value());
}

TEST_CASE("stamp layouts: a store of whole stamps is read, and updates move it to layouts") {
  const cdc::test::TempDir scratch("cdc_layouts_old_store");
  const auto dir = scratch.path() / "ls";
  const std::vector<FieldStamp> seven{presence(1), field("email", "\"a\""), field("age", "3")};
  const std::vector<FieldStamp> eight{presence(2), field("plan", "\"pro\"", 2)};
  {
    LastSentStore created(dir);
    CHECK(created.table_tag("public.users") == 1);
    CHECK(created.table_tag("public.subs") == 2);
  }
  {
    KvStore raw(dir, kDatabases);
    auto write = raw.write();
    write.put(kCustomers, cdc::state::customer_key("7"), whole_stamps(seven));
    write.put(kCustomers, cdc::state::customer_key("8"), whole_stamps(eight));
    write.commit();
  }
  {
    LastSentStore store(dir);
    CHECK(customer(store, "7") == sorted(seven));
    CHECK(customer(store, "8") == sorted(eight));
    std::vector<std::string> of_subs;
    store.customers_of(2, [&](std::string_view id) { of_subs.emplace_back(id); });
    CHECK(of_subs == std::vector<std::string>{"8"});

    LastSentBatch batch;
    batch.upsert_customer("7", std::vector{field("age", "4")});
    store.apply(batch);
    CHECK(customer(store, "7") ==
          sorted({presence(1), field("email", "\"a\""), field("age", "4")}));
  }
  CHECK(stored_value(dir, "7").size() == 3 + 2 * 8);  // rewritten in a layout
  CHECK(stored_value(dir, "8").size() == 2 * 14);     // not touched: as it was
  LastSentStore store(dir);
  CHECK(store.forget("public.subs") == 2);
  CHECK(customer(store, "8").empty());
  CHECK(customer(store, "7").size() == 3);
  CHECK(store.forget() == 3);
}

TEST_CASE("stamp layouts: a field another table sends, and a presence with a value") {
  const cdc::test::TempDir scratch("cdc_layouts_tables");
  const auto dir = scratch.path() / "ls";
  LastSentStore store(dir);
  LastSentBatch batch;
  batch.upsert_customer("1", std::vector{presence(1), field("plan", "a", 1)});
  batch.upsert_customer("2", std::vector{presence(1), field("plan", "a", 1)});
  // The same field, now from table 2: its stamp says so, in place or not.
  batch.upsert_customer("1", std::vector{field("plan", "b", 2)});
  batch.upsert_customer("3", std::vector{presence(1), field("plan", "a", 2)});
  store.apply(batch);
  CHECK(customer(store, "1") == sorted({presence(1), field("plan", "b", 2)}));
  CHECK(customer(store, "2") == sorted({presence(1), field("plan", "a", 1)}));
  CHECK(customer(store, "3") == sorted({presence(1), field("plan", "a", 2)}));

  // The store's own presence stamps are valued 0; another value is kept all the same.
  const FieldStamp valued{cdc::state::kPresenceName, 1, 5};
  LastSentBatch odd;
  odd.upsert_customer("2", std::vector{valued});
  odd.upsert_customer("4", std::vector{valued, field("plan", "c", 1)});
  store.apply(odd);
  CHECK(customer(store, "2") == sorted({valued, field("plan", "a", 1)}));
  CHECK(customer(store, "4") == sorted({valued, field("plan", "c", 1)}));
}

TEST_CASE("stamp layouts: past the last id, customers keep whole stamps") {
  const cdc::test::TempDir scratch("cdc_layouts_full");
  const auto dir = scratch.path() / "ls";
  const uint32_t customers = StampLayouts::kMaxLayouts + 10;
  // Each customer a field of its own name: a layout each (a flattened json value could).
  const auto stamps_of = [](uint32_t id) {
    return std::vector{presence(1), field("f" + std::to_string(id), std::to_string(id))};
  };
  {
    LastSentStore store(dir);
    for (uint32_t first = 1; first <= customers; first += 1000) {
      LastSentBatch batch;
      for (uint32_t id = first; id < first + 1000 && id <= customers; ++id) {
        batch.upsert_customer(std::to_string(id), stamps_of(id));
      }
      store.apply(batch);
    }
  }
  CHECK(stored_value(dir, "1").size() == 3 + 8);
  CHECK(stored_value(dir, std::to_string(StampLayouts::kMaxLayouts)).size() == 3 + 8);
  CHECK(stored_value(dir, std::to_string(customers)).size() == 2 * 14);
  LastSentStore store(dir);
  for (uint32_t id :
       {1U, 2U, StampLayouts::kMaxLayouts, StampLayouts::kMaxLayouts + 1, customers}) {
    CAPTURE(id);
    CHECK(customer(store, std::to_string(id)) == sorted(stamps_of(id)));
  }
  // Updates of either form still merge.
  LastSentBatch batch;
  batch.upsert_customer("1", std::vector{field("f1", "new")});
  batch.upsert_customer(std::to_string(customers), std::vector{field("g", "1")});
  store.apply(batch);
  CHECK(customer(store, "1") == sorted({presence(1), field("f1", "new")}));
  CHECK(customer(store, std::to_string(customers)).size() == 3);
}

TEST_CASE("stamp layouts: a layout of a commit rolled back is not named by a later one") {
  const cdc::test::TempDir scratch("cdc_layouts_rollback");
  const auto dir = scratch.path() / "ls";
  const std::vector<FieldStamp> stamps{presence(1), field("email", "\"a\"")};
  {
    LastSentStore store(dir);
    {
      auto abandoned = store.commit();
      abandoned.upsert_customer(cdc::state::customer_key("1"), stamps);
    }  // rolled back, the layout it wrote with it
    LastSentBatch batch;
    batch.upsert_customer("2", stamps);
    store.apply(batch);
    CHECK(customer(store, "1").empty());
    CHECK(customer(store, "2") == sorted(stamps));
  }
  LastSentStore reopened(dir);  // learns its layouts from the file alone
  CHECK(customer(reopened, "2") == sorted(stamps));
}

TEST_CASE("stamp layouts: a customer naming a layout the store lacks is an error naming it") {
  const cdc::test::TempDir scratch("cdc_layouts_damaged");
  const auto dir = scratch.path() / "ls";
  { LastSentStore created(dir); }
  {
    KvStore raw(dir, kDatabases);
    auto write = raw.write();
    write.put(kCustomers, cdc::state::customer_key("1"), std::string("\x09\0\0", 3) + "12345678");
    write.commit();
  }
  LastSentStore store(dir);
  std::vector<FieldStamp> out;
  try {
    store.customer("1", out);
    FAIL("no error");
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    CHECK(what.find(dir.string()) != std::string::npos);
    CHECK(what.find("layout 9") != std::string::npos);
  }
}

TEST_CASE("stamp layouts: forget one table writes the layouts the rest needs as it walks") {
  const cdc::test::TempDir scratch("cdc_layouts_forget");
  const auto dir = scratch.path() / "ls";
  {
    LastSentStore store(dir);
    const uint16_t users = store.table_tag("public.users");
    const uint16_t subs = store.table_tag("public.subs");
    // Customers upserted by both tables at once: their only layout names both. Enough of
    // them for many pages, so that the walk goes on across pages after the new layout is
    // written; every third with a field more, for a second new layout.
    constexpr int kCustomers = 3000;
    const auto stamps_of = [&](int id) {
      const std::string n = std::to_string(id);
      std::vector<FieldStamp> stamps{presence(users), presence(subs), field("email", n, users),
                                     field("plan", n, subs)};
      if (id % 3 == 0) stamps.push_back(field("age", n, users));
      return stamps;
    };
    LastSentBatch batch;
    for (int id = 1; id <= kCustomers; ++id)
      batch.upsert_customer(std::to_string(id), stamps_of(id));
    store.apply(batch);
    CHECK(store.forget("public.subs") == 2 * kCustomers);
    for (int id = 1; id <= kCustomers; ++id) {
      auto want = stamps_of(id);
      std::erase_if(want, [&](const FieldStamp& s) { return s.table == subs; });
      INFO("customer " << id);
      REQUIRE(customer(store, std::to_string(id)) == sorted(want));
    }
  }
  CHECK(stored_value(dir, "3").size() == 3 + 2 * 8);  // in a layout (3 + 3 * 8 before)
}
