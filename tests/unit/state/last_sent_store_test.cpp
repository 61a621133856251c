#include <doctest/doctest.h>
#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "state/kv_store.h"
#include "state/last_sent_store.h"
#include "state/resident_memory.h"
#include "support/temp_dir.h"
#include "unit/state/stamp_helpers.h"

using cdc::state::FieldStamp;
using cdc::state::ItemStamp;
using cdc::state::KvStore;
using cdc::state::LastSentBatch;
using cdc::state::LastSentStore;
using cdc::test::customer;
using cdc::test::field;
using cdc::test::presence;
using cdc::test::sorted;

namespace {

std::vector<FieldStamp> stamp_list(std::initializer_list<FieldStamp> list) { return list; }

// The key-order walk tests' keys: fixed width, so that LMDB's order is their numbers'.
constexpr int kKeys = 6000;
std::string key_of(int n) { return fmt::format("k{:06}", n); }

// Puts the even keys below kKeys into database 0 of `store` in one commit; returns them.
std::map<std::string, std::string> put_even_keys(KvStore& store) {
  std::map<std::string, std::string> model;
  auto write = store.write();
  for (int n = 0; n < kKeys; n += 2) {
    write.put(0, key_of(n), "v" + std::to_string(n));
    model[key_of(n)] = "v" + std::to_string(n);
  }
  write.commit();
  return model;
}

}  // namespace

TEST_CASE("kv store: erase_prefix and erase_if remove exactly the matching keys") {
  const cdc::test::TempDir scratch("cdc_kv_store_erase");
  KvStore store(scratch.path() / "kv", {"a"});
  {
    auto write = store.write();
    for (std::string key : {"1", "10", "2"}) write.put(0, key, "v" + key);
    // Keys with a NUL inside, as item keys have: three bytes each.
    write.put(0, std::string("1\0x", 3), "a");
    write.put(0, std::string("1\0y", 3), "b");
    write.put(0, std::string("2\0x", 3), "c");
    write.commit();
  }
  {
    auto write = store.write();
    CHECK(write.erase_prefix(0, std::string("1\0", 2)) == 2);
    CHECK(write.erase_if(0, [](std::string_view, std::string_view v) { return v == "c"; }) == 1);
    write.commit();
  }
  std::vector<std::string> left;
  store.scan(0, {}, [&](std::string_view key, std::string_view) {
    left.emplace_back(key);
    return true;
  });
  CHECK(left == std::vector<std::string>{"1", "10", "2"});
  CHECK(store.stats().entries.at(0) == 3);
}

TEST_CASE("kv store: update hands make() the value there, or nothing, and writes what it makes") {
  const cdc::test::TempDir scratch("cdc_kv_store_update");
  KvStore store(scratch.path() / "kv", {"a"});
  std::string scratch_value;
  std::vector<std::string> seen;
  const auto append_x = [&](std::optional<std::string_view> current, std::string& out) {
    seen.emplace_back(current ? *current : "(none)");
    out.assign(current ? *current : "").append("x");
  };
  {
    auto write = store.write();
    write.put(0, "5", "five");
    write.update(0, "9", append_x, scratch_value);  // past the end
    write.update(0, "5", append_x, scratch_value);  // there: longer afterwards
    write.update(0, "3", append_x, scratch_value);  // absent, before the end
    write.update(0, "5", append_x, scratch_value);
    write.commit();
  }
  CHECK(seen == std::vector<std::string>{"(none)", "five", "(none)", "fivex"});
  CHECK(store.get(0, "3") == std::optional<std::string_view>("x"));
  CHECK(store.get(0, "5") == std::optional<std::string_view>("fivexx"));
  CHECK(store.get(0, "9") == std::optional<std::string_view>("x"));
  CHECK(store.stats().entries.at(0) == 3);
}

// update() steps to the next key when updates come in key order: runs in order with keys
// skipped, keys absent (added between two), values that grow and shrink (moving their
// nodes, splitting pages), runs that jump back, and puts and erases between them must all
// land as they would one search at a time. Checked against a map, over commits.
TEST_CASE("kv store: updates in key order, with gaps, new keys and other writes between") {
  const cdc::test::TempDir scratch("cdc_kv_store_update_walk");
  KvStore store(scratch.path() / "kv", {"a", "b"});
  std::map<std::string, std::string> model = put_even_keys(store);
  std::mt19937 random(18);
  std::uniform_int_distribution<int> any_key(0, kKeys - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<size_t> length(1, 120);
  std::string scratch_value;
  int mismatches = 0;
  for (int round = 0; round < 8; ++round) {
    auto write = store.write();
    for (int run = 0; run < 40; ++run) {
      int n = any_key(random);
      for (int step = 0; step < 200 && n < kKeys; ++step) {
        const std::string key = key_of(n);
        const auto there = model.find(key);
        const size_t size = length(random);
        write.update(
            0, key,
            [&](std::optional<std::string_view> current, std::string& out) {
              const bool expected = there != model.end();
              if (current.has_value() != expected || (expected && *current != there->second)) {
                ++mismatches;
              }
              out.assign(size, static_cast<char>('a' + step % 26));
            },
            scratch_value);
        model[key].assign(size, static_cast<char>('a' + step % 26));
        const int roll = percent(random);
        if (roll < 3) {  // another write between two updates
          const std::string other = key_of(any_key(random));
          write.put(0, other, "put");
          model[other] = "put";
        } else if (roll < 6) {
          const std::string other = key_of(any_key(random));
          CHECK(write.erase(0, other) == (model.erase(other) == 1));
        } else if (roll < 8) {
          write.put(1, key, "other database");
        }
        n += percent(random) < 70 ? 1 : 2 + percent(random) % 3;
      }
    }
    write.commit();
    std::map<std::string, std::string> stored;
    store.scan(0, {}, [&](std::string_view key, std::string_view value) {
      stored.emplace(key, value);
      return true;
    });
    REQUIRE(stored == model);
  }
  CHECK(mismatches == 0);
}

// get() steps to the next key too: reads in order with keys skipped, absent keys, the
// same key twice, reads of another database between, and commits that move the snapshot
// on must all answer as a map does.
TEST_CASE("kv store: reads in key order, with gaps, absent keys and commits between") {
  const cdc::test::TempDir scratch("cdc_kv_store_read_walk");
  KvStore store(scratch.path() / "kv", {"a", "b"});
  std::map<std::string, std::string> model = put_even_keys(store);
  {
    auto write = store.write();
    write.put(1, key_of(1), "other");
    write.commit();
  }
  std::mt19937 random(18);
  std::uniform_int_distribution<int> any_key(0, kKeys - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  int wrong = 0;
  int found = 0;
  for (int round = 0; round < 8; ++round) {
    for (int run = 0; run < 40; ++run) {
      for (int n = any_key(random), step = 0; step < 200 && n < kKeys; ++step) {
        const auto there = model.find(key_of(n));
        const auto got = store.get(0, key_of(n));
        if (got.has_value() != (there != model.end()) || (got && *got != there->second)) ++wrong;
        found += got.has_value();
        const int roll = percent(random);
        if (roll < 3) {
          CHECK(store.get(1, key_of(1)) == std::optional<std::string_view>("other"));
        } else if (roll < 6) {
          continue;  // the same key again
        }
        n += percent(random) < 70 ? 1 : 2 + percent(random) % 3;
      }
    }
    // A commit that changes keys the next round reads, and adds some.
    auto write = store.write();
    for (int i = 0; i < 300; ++i) {
      const std::string key = key_of(any_key(random));
      if (percent(random) < 20) {
        write.erase(0, key);
        model.erase(key);
      } else {
        write.put(0, key, "r" + std::to_string(round));
        model[key] = "r" + std::to_string(round);
      }
    }
    write.commit();
  }
  CHECK(wrong == 0);
  CHECK(found > 10000);  // most reads found their key, most of them one step on from the last
}

TEST_CASE("kv store: a write not committed is not kept; the reader sees commits after refresh") {
  const cdc::test::TempDir scratch("cdc_kv_store_txn");
  KvStore store(scratch.path() / "kv", {"a"});
  {
    auto write = store.write();
    write.put(0, "k", "1");
  }  // abandoned
  CHECK_FALSE(store.get(0, "k"));
  auto write = store.write();
  write.put(0, "k", "2");
  write.commit();
  REQUIRE(store.get(0, "k"));
  CHECK(*store.get(0, "k") == "2");
}

TEST_CASE("kv store: keys past the last one are appended; the others still land in order") {
  const cdc::test::TempDir scratch("cdc_kv_store_append");
  KvStore store(scratch.path() / "kv", {"a"});
  CHECK_FALSE(store.get(0, "5"));  // an empty database
  {
    auto write = store.write();
    write.put(0, "5", "v5");  // empty: appended
    write.put(0, "7", "v7");  // past the end: appended
    write.put(0, "6", "v6");  // before it: searched
    write.put(0, "8", "v8");
    write.put(0, "8", "w8");  // the last key itself is overwritten, not appended
    CHECK(write.get(0, "8") == std::optional<std::string_view>("w8"));
    CHECK(write.erase(0, "8"));
    // The transaction's end still says "8"; "75" lies between the true last key and it.
    write.put(0, "75", "v75");
    write.put(0, std::string("75\0", 3), "nul");  // a longer key sorts after its prefix
    write.commit();
  }
  {
    auto write = store.write();  // a new transaction looks its end up again: "75\0"
    write.put(0, "9", "v9");
    write.put(0, "0", "v0");
    write.commit();
  }
  std::vector<std::string> keys;
  store.scan(0, {}, [&](std::string_view key, std::string_view) {
    keys.emplace_back(key);
    return true;
  });
  CHECK(keys == std::vector<std::string>{"0", "5", "6", "7", "75", std::string("75\0", 3), "9"});
  CHECK(store.get(0, "6") == std::optional<std::string_view>("v6"));
  CHECK(store.get(0, "9") == std::optional<std::string_view>("v9"));
}

TEST_CASE("kv store: a value written in place is the value, and only past the end") {
  const cdc::test::TempDir scratch("cdc_kv_store_in_place");
  KvStore store(scratch.path() / "kv", {"a"});
  {
    auto write = store.write();
    CHECK(write.past_end(0, "5"));  // empty
    std::memcpy(write.append_in_place(0, "5", 3), "abc", 3);
    CHECK_FALSE(write.past_end(0, "5"));
    CHECK_FALSE(write.past_end(0, "4"));
    CHECK(write.past_end(0, "6"));
    CHECK_THROWS_AS(write.append_in_place(0, "4", 1), std::runtime_error);  // LMDB refuses
    std::memcpy(write.append_in_place(0, "6", 5), "defgh", 5);
    write.put(0, "7", "ijk");
    write.append_in_place(0, "8", 0);  // an empty value
    write.commit();
  }
  CHECK(store.get(0, "5") == std::optional<std::string_view>("abc"));
  CHECK(store.get(0, "6") == std::optional<std::string_view>("defgh"));
  CHECK(store.get(0, "7") == std::optional<std::string_view>("ijk"));
  CHECK(store.get(0, "8") == std::optional<std::string_view>(""));
  CHECK_FALSE(store.get(0, "4"));
}

TEST_CASE("kv store: a key is past the end exactly when LMDB sorts it after the last key") {
  // LMDB's default order: bytes compared unsigned, then the shorter key first.
  KvStore::KeyEnd end;
  end.known = true;
  end.empty = true;
  CHECK(end.past(""));
  end.empty = false;
  end.last = std::string("\0\x01\x7f", 3);
  CHECK(end.past(std::string("\0\x01\x80", 3)));        // 0x80 above 0x7f, not a negative char
  CHECK(end.past(std::string("\0\x02", 2)));            // shorter, but larger at a byte
  CHECK(end.past(std::string("\0\x01\x7f\0", 4)));      // the last key is its prefix
  CHECK_FALSE(end.past(std::string("\0\x01\x7f", 3)));  // the last key itself
  CHECK_FALSE(end.past(std::string("\0\x01", 2)));      // a prefix of it
  CHECK_FALSE(end.past(std::string("\0\x01\x7e\xff", 4)));
  CHECK_FALSE(end.past(""));
}

TEST_CASE("kv store: the reader's end moves with its snapshot") {
  const cdc::test::TempDir scratch("cdc_kv_store_reader_end");
  KvStore store(scratch.path() / "kv", {"a", "b"});
  {
    auto write = store.write();
    write.put(0, "1", "one");
    write.commit();
  }
  CHECK_FALSE(store.get(0, "2"));  // past this snapshot's end
  CHECK_FALSE(store.get(1, "1"));  // another database, empty
  {
    auto write = store.write();
    write.put(0, "2", "two");
    write.put(1, "1", "b-one");
    write.commit();
  }
  CHECK(store.get(0, "2") == std::optional<std::string_view>("two"));
  CHECK(store.get(1, "1") == std::optional<std::string_view>("b-one"));
  CHECK(store.get(0, "1") == std::optional<std::string_view>("one"));
}

TEST_CASE(
    "last-sent store: a customer is past the others exactly when the store holds none after it") {
  const cdc::test::TempDir scratch("cdc_last_sent_past");
  LastSentStore store(scratch.path() / "ls");
  const auto key = [](std::string_view id) { return cdc::state::customer_key(id); };
  CHECK(store.past_customers(key("1")));  // an empty store
  LastSentBatch batch;
  batch.upsert_customer("20", stamp_list({field("plan", "\"pro\""), presence(1)}));
  batch.upsert_customer("ann", stamp_list({presence(1)}));
  store.apply(batch);
  // Numbers pack below text ids; "ann" is the last key.
  CHECK_FALSE(store.past_customers(key("20")));
  CHECK_FALSE(store.past_customers(key("21")));
  CHECK_FALSE(store.past_customers(key("ann")));
  CHECK(store.past_customers(key("bob")));
  // The same answer customer_at() gives, for a key past the end and one before it.
  std::vector<FieldStamp> out;
  store.customer_at(key("bob"), out);
  CHECK(out.empty());
  store.customer_at(key("20"), out);
  CHECK(out.size() == 2);
  // A later commit moves the end for the next question.
  LastSentBatch more;
  more.upsert_customer("bob", stamp_list({presence(1)}));
  store.apply(more);
  CHECK_FALSE(store.past_customers(key("bob")));
  CHECK(store.past_customers(key("carl")));
}

// get() reads through a cursor kept from one read to the next (and renewed with each
// snapshot), which searches only its leaf page when the key falls within it. Checked
// against a map: reads in key order, backwards and at random, across commits that add,
// change and remove keys on several pages, and scans in between.
TEST_CASE("kv store: reads through the kept cursor see every snapshot exactly") {
  const cdc::test::TempDir scratch("cdc_kv_store_reader_cursor");
  KvStore store(scratch.path() / "kv", {"a", "b"});
  std::map<std::string, std::string> model;
  std::mt19937 random(20261206);
  auto key_of = [](unsigned i) { return fmt::format("key{:06}", i); };
  constexpr unsigned kKeys = 3000;  // dozens of leaf pages
  for (int round = 0; round < 6; ++round) {
    {
      auto write = store.write();
      for (int change = 0; change < 800; ++change) {
        const std::string key = key_of(static_cast<unsigned>(random() % kKeys));
        if (random() % 4 == 0) {
          write.erase(0, key);
          model.erase(key);
        } else {
          const std::string value = fmt::format("r{}-{}", round, random() % 1000);
          write.put(0, key, value);
          model[key] = value;
        }
      }
      write.put(1, "round", std::to_string(round));
      write.commit();
    }
    auto check = [&](unsigned i) {
      const std::string key = key_of(i);
      const auto it = model.find(key);
      const auto got = store.get(0, key);
      INFO("round " << round << ", " << key);
      REQUIRE(got.has_value() == (it != model.end()));
      if (got) CHECK(*got == it->second);
    };
    for (unsigned i = 0; i < kKeys; ++i) check(i);
    // The other database's cursor is its own.
    CHECK(store.get(1, "round") == std::optional<std::string_view>(std::to_string(round)));
    for (unsigned i = kKeys; i-- > 0;) check(i);
    if (round % 2 == 1) {
      size_t scanned = 0;
      store.scan(0, "key", [&](std::string_view, std::string_view) { return ++scanned > 0; });
      CHECK(scanned == model.size());
    }
    for (int i = 0; i < 2000; ++i) check(static_cast<unsigned>(random() % (kKeys + 10)));
  }
}

TEST_CASE("kv store: the pages reads map stay within the budget once a write commits") {
  const cdc::test::TempDir scratch("cdc_kv_store_mapped");
  KvStore store(scratch.path() / "kv", {"a"});
  constexpr size_t kBudget = size_t{4} << 20;
  store.set_mapped_budget(kBudget);
  // 40 MiB of values, three to a page: reading them all maps the whole file.
  constexpr int kKeys = 40000;
  const std::string value(1000, 'v');
  auto key = [](int i) { return fmt::format("{:08}", i); };
  {
    auto write = store.write();
    for (int i = 0; i < kKeys; ++i) write.put(0, key(i), value);
    write.commit();
  }
  const uint64_t before = cdc::state::resident_file_bytes();
  REQUIRE(before > 0);
  size_t read = 0;
  for (int i = 0; i < kKeys; ++i) read += store.get(0, key(i)).value_or("").size();
  CHECK(read == kKeys * value.size());
  // The test can see the mapping grow (on a file system or tmpfs alike).
  REQUIRE(cdc::state::resident_file_bytes() > before + (30 << 20));
  {
    auto write = store.write();
    write.put(0, "z", "last");
    write.commit();
  }
  CHECK(cdc::state::resident_file_bytes() < before + kBudget + (4 << 20));
  // Unmapped is not lost: the pages come back from the page cache.
  CHECK(store.get(0, key(123)) == std::optional<std::string_view>(value));
  CHECK(store.get(0, "z") == std::optional<std::string_view>("last"));
}

TEST_CASE("kv store: a read inside a scan reads the scan's snapshot, commits meanwhile or not") {
  const cdc::test::TempDir scratch("cdc_kv_scan_reads");
  KvStore store(scratch.path() / "kv", {"a", "b"});
  {
    auto write = store.write();
    for (char key = 'a'; key <= 'e'; ++key) write.put(0, std::string(1, key), "1");
    write.put(1, "x", "old");
    write.commit();
  }
  std::string visited;
  std::vector<std::string> read;
  store.scan(0, {}, [&](std::string_view key, std::string_view) {
    visited += key;
    if (key == "b") {
      auto write = store.write();
      write.put(1, "x", "new");
      write.put(0, "f", "1");
      write.commit();
    }
    read.emplace_back(store.get(1, "x").value_or("none"));
    return true;
  });
  CHECK(visited == "abcde");
  CHECK(read == std::vector<std::string>(5, "old"));
  CHECK(store.get(1, "x") == std::optional<std::string_view>("new"));  // after: the latest
  CHECK_THROWS_AS(store.scan(0, {},
                             [&](std::string_view, std::string_view) {
                               store.scan(1, {},
                                          [](std::string_view, std::string_view) { return true; });
                               return false;
                             }),
                  std::logic_error);
}

// rewrite() puts each changed value where its cursor stands. A value of another size
// moves the node in its page, so the key must not be named by the bytes in the page:
// that wrote most keys back garbled (one run: 2,894 of 3,000 keys not found, 105 with a
// value not theirs), and `forget --table` lost customers or left them the forgotten
// table's stamps.
TEST_CASE("kv store: rewrite keeps every key when the values change size") {
  const cdc::test::TempDir scratch("cdc_kv_store_rewrite");
  KvStore store(scratch.path() / "kv", {"a"});
  constexpr int kKeys = 3000;
  auto key = [](int i) { return fmt::format("{:09}", i); };
  auto value = [](int i, size_t size) {
    return std::string(size, static_cast<char>('a' + i % 26));
  };
  for (const auto& [before, after] : {std::pair<size_t, size_t>{56, 28}, {28, 60}, {60, 60}}) {
    CAPTURE(before);
    CAPTURE(after);
    {
      auto write = store.write();
      for (int i = 0; i < kKeys; ++i) write.put(0, key(i), value(i, before));
      write.commit();
    }
    {
      auto write = store.write();
      const uint64_t changed =
          write.rewrite(0, [&](std::string_view, std::string_view current, std::string& out) {
            out.assign(after, current.front());
          });
      CHECK(changed == (before == after ? 0 : kKeys));
      write.commit();
    }
    int wrong = 0;
    for (int i = 0; i < kKeys; ++i) wrong += store.get(0, key(i)) != value(i, after);
    CHECK(wrong == 0);
    CHECK(store.stats().entries.at(0) == kKeys);
  }
}

// The walks that change what they walk (rewrite: delete, shrink, grow or keep each value;
// erase_if) against a map, over enough keys for LMDB to split, merge and rebalance pages
// under the cursor.
TEST_CASE("kv store: rewrite and erase_if agree with a map over many pages") {
  const cdc::test::TempDir scratch("cdc_kv_store_walks");
  KvStore store(scratch.path() / "kv", {"a"});
  std::mt19937 random(20261207);
  std::map<std::string, std::string> expected;
  auto key = [](int i) { return fmt::format("k{:07}", i); };
  {
    auto write = store.write();
    for (int i = 0; i < 6000; ++i) {
      const std::string value(1 + random() % 120, static_cast<char>('a' + i % 26));
      write.put(0, key(i), value);
      expected[key(i)] = value;
    }
    write.commit();
  }
  auto check = [&] {
    std::map<std::string, std::string> seen;
    store.scan(0, {}, [&](std::string_view k, std::string_view v) {
      seen.emplace(k, v);
      return true;
    });
    CHECK(seen == expected);
  };
  // Rounds 6 on walk the database in parts, a write transaction each (KvStore::Walk).
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    KvStore::Walk walk{.limit = round < 6 ? SIZE_MAX : 1 + random() % 1000};
    const auto edit = [&](std::string_view k, std::string_view v, std::string& out) {
      switch (random() % 4) {
        case 0:  // removed
          expected.erase(std::string(k));
          return;
        case 1:  // kept
          out.assign(v);
          return;
        default:  // shrunk or grown
          out.assign(1 + random() % 200, v.front());
          expected[std::string(k)] = out;
      }
    };
    const auto drop = [&](std::string_view k, std::string_view) {
      if (random() % 3 != 0) return false;
      expected.erase(std::string(k));
      return true;
    };
    do {
      auto write = store.write();
      if (round % 2 == 0) {
        write.rewrite(0, edit, walk);
      } else {
        write.erase_if(0, drop, walk);
      }
      write.commit();
    } while (!walk.done);
    if (round % 2 == 1) {
      auto write = store.write();
      for (int i = 0; i < 1500; ++i) {  // and new keys among them
        const std::string k = key(static_cast<int>(random() % 6000));
        const std::string value(1 + random() % 120, 'z');
        write.put(0, k, value);
        expected[k] = value;
      }
      write.commit();
    }
    check();
  }
}

// LMDB reuses a page a commit freed only once no snapshot can still see it. A scan, the
// statistics and `status` read once and then go quiet while commits go on: they must not
// leave their snapshot open, or every page the commits rewrite is a new one.
TEST_CASE("kv store: scans and statistics leave no snapshot that keeps freed pages in use") {
  const cdc::test::TempDir scratch("cdc_kv_store_snapshots");
  const auto dir = scratch.path() / "kv";
  constexpr int kKeys = 2000;
  const std::string value(1000, 'v');
  auto key = [](int i) { return fmt::format("{:08}", i); };
  auto rewrite_all = [&](KvStore& store, int times) {
    for (int round = 0; round < times; ++round) {
      auto write = store.write();
      for (int i = 0; i < kKeys; ++i) write.put(0, key(i), value + std::to_string(round % 10));
      write.commit();
    }
  };
  auto file_bytes = [&] { return std::filesystem::file_size(dir / "data.mdb"); };
  KvStore store(dir, {"a"});
  rewrite_all(store, 1);
  const auto loaded = file_bytes();
  store.scan(0, {}, [](std::string_view, std::string_view) { return true; });
  rewrite_all(store, 10);
  CHECK(file_bytes() < 4 * loaded);  // a few commits' worth, not ten
  CHECK(store.stats().entries.at(0) == kKeys);
  rewrite_all(store, 10);
  CHECK(file_bytes() < 4 * loaded);
  {
    // The last-sent store's statistics read beside KvStore's.
    const auto ls_dir = scratch.path() / "ls";
    LastSentStore last_sent(ls_dir);
    // Customers of 60 fields, about 500 bytes each.
    auto upsert_all = [&](int round) {
      LastSentBatch batch;
      std::vector<FieldStamp> stamps;
      for (int f = 0; f < 60; ++f) stamps.push_back(field(fmt::format("f{}", f), "0"));
      for (int i = 0; i < kKeys; ++i) {
        stamps[i % 60] = field(fmt::format("f{}", i % 60), std::to_string(round));
        batch.upsert_customer(std::to_string(i), stamps);
      }
      last_sent.apply(batch);
    };
    upsert_all(0);
    const auto ls_loaded = std::filesystem::file_size(ls_dir / "data.mdb");
    CHECK(last_sent.stats().customers == kKeys);
    for (int round = 1; round <= 10; ++round) upsert_all(round);
    CHECK(std::filesystem::file_size(ls_dir / "data.mdb") < 4 * ls_loaded);
  }
}

TEST_CASE("last-sent store: upserts merge per field, survive a reopen, and deletes remove items") {
  const cdc::test::TempDir scratch("cdc_last_sent_store");
  const auto dir = scratch.path() / "last-sent";
  {
    LastSentStore store(dir);
    const uint16_t users = store.table_tag("public.users");
    const uint16_t orders = store.table_tag("public.orders");
    CHECK(users != orders);
    CHECK(store.table_tag("public.users") == users);

    LastSentBatch batch;
    batch.upsert_customer(
        "42", stamp_list({presence(users), field("email", "\"a@x\""), field("age", "3")}));
    batch.upsert_customer("42", stamp_list({field("age", "4")}));
    batch.upsert_item("42", "orders", "7", {orders, 99});
    batch.upsert_item("43", "orders", "8", {orders, 98});
    store.apply(batch);
  }
  LastSentStore store(dir);
  CHECK(store.table_tag("public.users") == 1);
  CHECK(store.table_name(2) == "public.orders");
  auto stamps = customer(store, "42");
  REQUIRE(stamps.size() == 3);
  CHECK(stamps.front() == presence(1));  // presence stamps sort first
  CHECK(std::count(stamps.begin(), stamps.end(), field("age", "4")) == 1);
  CHECK(std::count(stamps.begin(), stamps.end(), field("age", "3")) == 0);
  CHECK(store.item("42", "orders", "7") == ItemStamp{2, 99});

  LastSentBatch remove;
  remove.delete_customer("42");
  store.apply(remove);
  CHECK(customer(store, "42") == std::vector<FieldStamp>{cdc::state::kTombstone});
  CHECK_FALSE(store.item("42", "orders", "7"));
  CHECK(store.item("43", "orders", "8"));  // another customer's item stays
}

TEST_CASE("last-sent store: a new customer's stamps are kept sorted, the later of a slot winning") {
  const cdc::test::TempDir scratch("cdc_last_sent_new_customer");
  LastSentStore store(scratch.path() / "ls");
  const uint16_t users = store.table_tag("public.users");
  const uint16_t orders = store.table_tag("public.orders");
  LastSentBatch batch;
  batch.upsert_customer("7", stamp_list({field("zip", "1"), field("age", "3"), presence(orders),
                                         presence(users), field("age", "4"), field("zip", "2")}));
  store.apply(batch);
  const auto stamps = customer(store, "7");
  auto expected =
      stamp_list({presence(users), presence(orders), field("age", "4"), field("zip", "2")});
  std::sort(expected.begin(), expected.end(), [](const FieldStamp& a, const FieldStamp& b) {
    return a.name != b.name ? a.name < b.name : a.table < b.table;
  });
  CHECK(stamps == expected);
}

namespace {

// A stamp's slot, as the store orders them: its name, then a presence stamp's table.
std::pair<uint32_t, uint16_t> slot_of(const FieldStamp& s) {
  return {s.name, s.name == cdc::state::kPresenceName ? s.table : uint16_t{0}};
}

// `size` stamps of three tables: presence stamps and fields of few names, so that slots
// repeat; a field's value tells the repeats apart.
std::vector<FieldStamp> random_stamps(std::mt19937& random, size_t size) {
  std::vector<FieldStamp> stamps;
  for (size_t i = 0; i < size; ++i) {
    const auto table = static_cast<uint16_t>(1 + random() % 3);
    if (random() % 4 == 0) {
      stamps.push_back(presence(table));
    } else {
      stamps.push_back(field("f" + std::to_string(random() % 12), std::to_string(i), table));
    }
  }
  return stamps;
}

}  // namespace

// The store sorts a new customer's stamps by rank when there are few, stably when there
// are many: either way, by slot with the later of two stamps in a slot kept. Checked
// against a plain stable sort on random lists, short and long, with repeated slots.
TEST_CASE("last-sent store: a new customer's stamps sort the same whatever their number") {
  const cdc::test::TempDir scratch("cdc_last_sent_sort");
  LastSentStore store(scratch.path() / "ls");
  std::mt19937 random(20261206);
  for (int round = 0; round < 300; ++round) {
    const size_t size = random() % 40;
    const std::vector<FieldStamp> stamps = random_stamps(random, size);
    std::vector<FieldStamp> expected = stamps;
    std::stable_sort(
        expected.begin(), expected.end(),
        [&](const FieldStamp& a, const FieldStamp& b) { return slot_of(a) < slot_of(b); });
    std::vector<FieldStamp> last;
    for (size_t i = 0; i < expected.size(); ++i) {
      if (i + 1 < expected.size() && slot_of(expected[i]) == slot_of(expected[i + 1])) continue;
      last.push_back(expected[i]);
    }
    const std::string id = std::to_string(round + 1);
    LastSentBatch batch;
    batch.upsert_customer(id, stamps);
    store.apply(batch);
    INFO("round " << round << ", " << size << " stamps");
    CHECK(customer(store, id) == last);
  }
}

// Within one commit the store learns the order of a new customer's stamps from the first
// and reuses it while the next ones name the same slots in the same order (a mapping's
// calls do). Customers whose stamps repeat a few lists, change them, repeat a slot, or are
// already stored, all in one batch: each must end as a plain merge in slot order says.
TEST_CASE("last-sent store: new customers in one commit sort right as their slots change") {
  const cdc::test::TempDir scratch("cdc_last_sent_learned_order");
  LastSentStore store(scratch.path() / "ls");
  std::mt19937 random(20261207);
  using Slot = std::pair<uint32_t, uint16_t>;
  // A few lists of distinct slots (a mapping's fields, then its presence stamp); one that
  // differs from the first only in its presence stamp's table; two whose presence stamps
  // share a name but come in the other order of their tables.
  std::vector<std::vector<FieldStamp>> lists = {
      stamp_list({field("name", "a"), field("visits", "1"), field("note", "x"), presence(1)}),
      stamp_list({field("zip", "9"), field("age", "3"), presence(2)}),
      stamp_list({field("name", "a"), field("visits", "1"), field("note", "x"), presence(2)}),
      stamp_list({field("name", "a"), presence(1), presence(3)}),
      stamp_list({field("name", "a"), presence(3), presence(1)}),
  };
  std::map<std::string, std::map<Slot, FieldStamp>> expected;
  auto upsert = [&](LastSentBatch& batch, const std::string& id, std::vector<FieldStamp> stamps) {
    for (auto& stamp : stamps) stamp.value ^= random();  // values differ between customers
    batch.upsert_customer(id, stamps);
    for (const auto& stamp : stamps) expected[id][slot_of(stamp)] = stamp;
  };
  LastSentBatch first;
  for (int id = 1; id <= 50; ++id) upsert(first, std::to_string(id * 2), lists[id % lists.size()]);
  store.apply(first);

  LastSentBatch batch;
  for (int n = 101; n <= 500; ++n) {
    const auto pick = random() % 10;
    // Mostly the same list many times running; sometimes another, a random one (slots
    // repeating or not, of any length), or a customer the first batch stored.
    const std::string id = pick == 0 ? std::to_string(2 * (1 + random() % 50)) : std::to_string(n);
    if (pick < 6) {
      upsert(batch, id, lists[(n / 40) % lists.size()]);
    } else if (pick < 8) {
      upsert(batch, id, lists[random() % lists.size()]);
    } else {
      upsert(batch, id, random_stamps(random, random() % 20));
    }
  }
  store.apply(batch);
  for (const auto& [id, slots] : expected) {
    std::vector<FieldStamp> want;
    for (const auto& [slot, stamp] : slots) want.push_back(stamp);
    INFO("customer " << id);
    CHECK(customer(store, id) == want);
  }
}

// A stored customer's update is written over its stamps where they lie when every slot it
// names is there already, and merged otherwise. Random updates of a few customers, commit
// after commit, with slots repeated inside an update, fields another table sent, and
// deletes: each must end as a plain merge in slot order says.
TEST_CASE("last-sent store: updates of stored customers merge per slot, in place or not") {
  const cdc::test::TempDir scratch("cdc_last_sent_updates");
  LastSentStore store(scratch.path() / "ls");
  std::mt19937 random(20261208);
  using Slot = std::pair<uint32_t, uint16_t>;
  std::map<std::string, std::map<Slot, FieldStamp>> expected;
  size_t in_place = 0;  // updates whose every slot was stored already
  for (int round = 0; round < 200; ++round) {
    LastSentBatch batch;
    for (int n = 0; n < 10; ++n) {
      const std::string id = std::to_string(1 + random() % 8);
      if (random() % 15 == 0) {
        batch.delete_customer(id);
        expected[id] = {{slot_of(cdc::state::kTombstone), cdc::state::kTombstone}};
        continue;
      }
      std::vector<FieldStamp> stamps = random_stamps(random, 1 + random() % 6);
      auto& held = expected[id];
      const bool tombstone = held.size() == 1 && held.begin()->second == cdc::state::kTombstone;
      if (tombstone) held.clear();  // any upsert replaces it
      in_place += !held.empty() && std::all_of(stamps.begin(), stamps.end(), [&](const auto& s) {
        return held.contains(slot_of(s));
      });
      for (const auto& stamp : stamps) held[slot_of(stamp)] = stamp;
      batch.upsert_customer(id, stamps);
    }
    store.apply(batch);
  }
  CHECK(in_place > 100);
  for (const auto& [id, slots] : expected) {
    std::vector<FieldStamp> want;
    for (const auto& [slot, stamp] : slots) want.push_back(stamp);
    INFO("customer " << id);
    CHECK(customer(store, id) == want);
  }
}

TEST_CASE("last-sent store: forget one table keeps the other tables' stamps") {
  const cdc::test::TempDir scratch("cdc_last_sent_forget");
  LastSentStore store(scratch.path() / "ls");
  const uint16_t users = store.table_tag("public.users");
  const uint16_t subs = store.table_tag("public.subscriptions");
  LastSentBatch batch;
  batch.upsert_customer("1", stamp_list({presence(users), field("email", "\"a\"", users)}));
  batch.upsert_customer("1", stamp_list({presence(subs), field("plan", "\"pro\"", subs)}));
  batch.upsert_customer("2", stamp_list({presence(subs), field("plan", "\"free\"", subs)}));
  batch.upsert_item("1", "subs", "9", {subs, 5});
  store.apply(batch);

  std::vector<std::string> seen;
  store.customers_of(subs, [&](std::string_view id) { seen.emplace_back(id); });
  CHECK(seen == std::vector<std::string>{"1", "2"});

  CHECK(store.forget("public.subscriptions") == 5);  // 4 stamps and 1 item
  CHECK(customer(store, "1").size() == 2);
  CHECK(customer(store, "2").empty());
  CHECK_FALSE(store.item("1", "subs", "9"));
  CHECK(store.stats().customers == 1);
  CHECK(store.forget() == 2);
  CHECK(store.stats().customers == 0);
}

TEST_CASE("last-sent store: forgetting in parts forgets the same as in one commit") {
  const cdc::test::TempDir scratch("cdc_last_sent_forget_parts");
  for (const size_t batch : {size_t{1}, size_t{3}, size_t{7}, LastSentStore::kDropBatch}) {
    CAPTURE(batch);
    LastSentStore store(scratch.path() / ("ls" + std::to_string(batch)));
    const uint16_t users = store.table_tag("public.users");
    const uint16_t subs = store.table_tag("public.subscriptions");
    LastSentBatch load;
    for (int id = 1; id <= 20; ++id) {
      load.upsert_customer(std::to_string(id),
                           stamp_list({presence(users), field("email", "\"a\"", users)}));
      if (id % 2 == 0) {
        load.upsert_customer(std::to_string(id),
                             stamp_list({presence(subs), field("plan", "\"pro\"", subs)}));
        load.upsert_item(std::to_string(id), "subs", "9", {subs, 5});
      }
    }
    store.apply(load);

    // One table: its 10 presence and 10 field stamps and 10 items.
    CHECK(store.forget("public.subscriptions", batch) == 30);
    CHECK(customer(store, "2").size() == 2);
    CHECK_FALSE(store.item("2", "subs", "9"));
    // Every value: 20 field stamps; the presence stamps stay.
    CHECK(store.forget_values(batch) == 20);
    CHECK(store.stats().customers == 20);
    for (int id = 1; id <= 20; ++id) {
      CAPTURE(id);
      const auto stamps = customer(store, std::to_string(id));
      REQUIRE(stamps.size() == 1);
      CHECK(stamps.front().name == cdc::state::kPresenceName);
    }
    CHECK(store.forget({}, batch) == 20);
    CHECK(store.stats().customers == 0);
  }
}

TEST_CASE("last-sent store: forgetting a large store in parts reuses its pages") {
  // In one commit, every customer's rewritten value took a new page and no freed page
  // could be used again before the commit: the file doubled (and the dirty pages stayed
  // in memory: 1.5 GB for 10M customers, cdc_last_sent_store_bench).
  const cdc::test::TempDir scratch("cdc_last_sent_forget_pages");
  LastSentStore store(scratch.path() / "ls");
  const uint16_t users = store.table_tag("public.users");
  LastSentBatch load;
  for (int id = 1; id <= 20'000; ++id) {
    std::vector<FieldStamp> stamps{presence(users)};
    for (int f = 0; f < 10; ++f) {
      stamps.push_back(field("f" + std::to_string(f), std::to_string(id * 10 + f), users));
    }
    load.upsert_customer(std::to_string(id), stamps);
  }
  store.apply(load);
  const uint64_t before = store.stats().file_bytes;
  CHECK(store.forget_values(/*batch=*/1'000) == 200'000);
  const uint64_t after = store.stats().file_bytes;
  CAPTURE(before);
  CAPTURE(after);
  CHECK(after < before + before / 4);
}

TEST_CASE("last-sent store: value hashes tell names apart, not just values") {
  CHECK(cdc::state::field_value_hash("a", "1") != cdc::state::field_value_hash("b", "1"));
  CHECK(cdc::state::field_value_hash("ab", "c") != cdc::state::field_value_hash("a", "bc"));
  CHECK(cdc::state::field_name_hash("x") != cdc::state::kPresenceName);
}

TEST_CASE("last-sent store: field hashes from a kept name hash are the name's own") {
  for (const std::string_view name : {"plan", "lifetime_visit_count", ""}) {
    CAPTURE(name);
    const auto by_name = cdc::state::field_hashes(name, "\"pro\"");
    const auto by_hash =
        cdc::state::field_hashes_by_name_hash(XXH3_64bits(name.data(), name.size()), "\"pro\"");
    CHECK(by_hash.name == by_name.name);
    CHECK(by_hash.value == by_name.value);
    CHECK(by_name.name == cdc::state::field_name_hash(name));
  }
}

TEST_CASE("last-sent store: numeric ids pack into nine bytes and come back as written") {
  for (std::string id : {"", "0", "42", "1234567", "12345678", "9999999999999999999", "007", "abc",
                         "12a", "-1", "18446744073709551616"}) {
    CAPTURE(id);
    CHECK(cdc::state::customer_of_key(cdc::state::customer_key(id)) == id);
  }
  CHECK(cdc::state::customer_key("42").size() == 9);
  CHECK(cdc::state::customer_key("007") == "007");  // leading zeros: not the number 7

  const cdc::test::TempDir scratch("cdc_last_sent_keys");
  LastSentStore store(scratch.path() / "ls");
  LastSentBatch batch;
  batch.upsert_item("256", "orders", "1", {1, 5});
  batch.upsert_item("abc", "orders", "2", {1, 6});
  batch.upsert_item("2", "orders", "3", {1, 7});
  store.apply(batch);
  std::vector<std::string> seen;
  store.items_of(1, [&](std::string_view customer, std::string_view field, std::string_view item) {
    seen.push_back(std::string(customer) + "/" + std::string(field) + "/" + std::string(item));
  });
  // Numbers in numeric order, before text ids.
  CHECK(seen == std::vector<std::string>{"2/orders/3", "256/orders/1", "abc/orders/2"});
  LastSentBatch remove;
  remove.delete_customer("2");
  store.apply(remove);
  CHECK(store.item("256", "orders", "1"));  // a key that shares bytes with 2's is kept
  CHECK_FALSE(store.item("2", "orders", "3"));
}

TEST_CASE("last-sent store: flattened names are kept per table and do not disturb the tags") {
  const cdc::test::TempDir dir("cdc_last_sent_names");
  {
    LastSentStore store(dir.path() / "ls");
    const uint16_t people = store.table_tag("public.people");
    LastSentBatch batch;
    // A two-byte name looks like a tag value if the tag scan did not skip it.
    batch.add_flattened_name(people, "ab");
    batch.add_flattened_name(people, "addr_city");
    batch.add_flattened_name(people, "addr_city");
    batch.add_flattened_name(static_cast<uint16_t>(people + 1), "other_x");
    store.apply(batch);
  }
  LastSentStore store(dir.path() / "ls");
  const uint16_t people = store.table_tag("public.people");
  std::vector<std::string> names;
  store.flattened_names(people, [&](std::string_view name) { names.emplace_back(name); });
  CHECK(names == std::vector<std::string>{"ab", "addr_city"});
  CHECK(store.table_tag("public.orders") == people + 1);
  CHECK(store.table_name(people) == "public.people");
}

TEST_CASE("last-sent store: progress commits with the stamps, survives a reopen and forget") {
  const cdc::test::TempDir dir("cdc_last_sent_progress");
  {
    LastSentStore store(dir.path() / "ls");
    const uint16_t people = store.table_tag("public.people");
    LastSentBatch batch;
    batch.upsert_customer("1", stamp_list({presence(people), field("plan", "\"pro\"", people)}));
    // Two bytes, the size of a tag: the tag scan must not take it for a table.
    batch.set_progress("backfill public.people", "ab");
    batch.set_progress("backfill public.orders", "{\"rows\":5}");
    CHECK_FALSE(batch.empty());
    store.apply(batch);
    CHECK(store.progress("backfill public.people") == "ab");
    CHECK(store.table_tag("public.orders") == people + 1);
  }
  LastSentStore store(dir.path() / "ls");
  CHECK(store.progress("backfill public.orders") == "{\"rows\":5}");
  CHECK_FALSE(store.progress("backfill public.nothing").has_value());
  // `forget` drops what Retainly holds from us, not how far a backfill got.
  store.forget();
  CHECK(customer(store, "1").empty());
  CHECK(store.progress("backfill public.people") == "ab");
  LastSentBatch remove;
  remove.set_progress("backfill public.people", "");
  CHECK_FALSE(remove.empty());
  store.apply(remove);
  CHECK_FALSE(store.progress("backfill public.people").has_value());
  CHECK(store.progress("backfill public.orders") == "{\"rows\":5}");
}

TEST_CASE("last-sent store: a reader finds none while a writer has created only the file") {
  const cdc::test::TempDir dir("cdc_last_sent_existing");
  const auto path = dir.path() / "ls";
  CHECK(LastSentStore::open_existing(path) == nullptr);
  // The file is there before the writer's first transaction creates the databases: what
  // a reader beside a connector starting for the first time can find.
  { KvStore bare(path, {}); }
  CHECK(std::filesystem::exists(path / "data.mdb"));
  CHECK(LastSentStore::open_existing(path) == nullptr);
  { LastSentStore created(path); }
  const auto store = LastSentStore::open_existing(path);
  REQUIRE(store != nullptr);
  CHECK(store->stats().customers == 0);
}

namespace {

// Runs `write` on a store of its own in a child process (LMDB allows one environment per
// file in a process, so a second writer of one store is another process); true if it
// returned.
bool in_child_process(const std::function<void()>& write) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    int code = 1;
    try {
      write();
      code = 0;
    } catch (...) {
    }
    _exit(code);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A batch that upserts one customer.
LastSentBatch upserting(std::string_view customer, const std::vector<FieldStamp>& stamps) {
  LastSentBatch batch;
  batch.upsert_customer(customer, stamps);
  return batch;
}

// Another connector's process: opens the store at `path`, lets `claim` claim it and
// commits `batch`; whether all of it went well.
bool commits_in_child_process(const std::filesystem::path& path,
                              const std::function<void(LastSentStore&)>& claim,
                              const LastSentBatch& batch = {}) {
  return in_child_process([&] {
    LastSentStore other(path);
    claim(other);
    other.apply(batch);
  });
}

}  // namespace

TEST_CASE(
    "last-sent store: a commit after another process claimed the store under the same lock is "
    "refused; under another lock it is not") {
  // Two processes on one store, as two instances of a pair on one host: the second took
  // the lock and claimed the store while the first, which lost the lock, still had a
  // commit to make.
  const cdc::test::TempDir dir("cdc_last_sent_writer");
  const auto path = dir.path() / "ls";
  LastSentStore store(path);
  store.claim_writer("lock a");
  const auto first = upserting("1", stamp_list({field("plan", "\"free\""), presence(1)}));
  store.apply(first);

  // A connector under another lock that shares the store (its tables' customers) claims
  // for its own lock only.
  const auto own = upserting("3", stamp_list({presence(2)}));
  REQUIRE(commits_in_child_process(
      path, [](LastSentStore& other) { other.claim_writer("lock b"); }, own));
  store.apply(first);

  REQUIRE(commits_in_child_process(
      path, [](LastSentStore& other) { other.claim_writer("lock a"); },
      upserting("1", stamp_list({field("plan", "\"pro\""), presence(1)}))));
  // The first process's late commit would put back the older plan over the newer one.
  LastSentBatch late;
  late.upsert_customer("1", stamp_list({field("plan", "\"free\""), presence(1)}));
  late.upsert_customer("2", stamp_list({presence(1)}));
  CHECK_THROWS_WITH_AS(store.apply(late), doctest::Contains(path.string().c_str()),
                       LastSentStore::WriterReplaced);
  CHECK_THROWS_WITH_AS(store.apply(late), doctest::Contains("taken over by another instance"),
                       cdc::SourceError);
  CHECK(customer(store, "1") == sorted({field("plan", "\"pro\""), presence(1)}));
  CHECK(customer(store, "2").empty());  // rolled back whole
  CHECK(customer(store, "3") == stamp_list({presence(2)}));

  // Claimed again (the next start that takes the lock), it writes.
  store.claim_writer("lock a");
  store.apply(late);
  CHECK(customer(store, "2") == stamp_list({presence(1)}));
}

TEST_CASE(
    "last-sent store: a commit after a connector sending to another workspace claimed the "
    "store is refused") {
  // Two connectors wrongly given one last_sent_dir, sending to two Retainly workspaces.
  const cdc::test::TempDir dir("cdc_last_sent_workspace");
  const auto path = dir.path() / "ls";
  LastSentStore store(path);
  CHECK_FALSE(store.workspace().has_value());
  store.claim_workspace("sandbox");
  CHECK(store.workspace() == "sandbox");
  const auto first = upserting("1", stamp_list({field("plan", "\"free\""), presence(1)}));
  store.apply(first);

  const auto own = upserting("3", stamp_list({presence(2)}));
  // The same workspace: no conflict.
  REQUIRE(commits_in_child_process(
      path, [](LastSentStore& other) { other.claim_workspace("sandbox"); }, own));
  store.apply(first);

  REQUIRE(commits_in_child_process(
      path, [](LastSentStore& other) { other.claim_workspace("production"); }));
  const auto late = upserting("2", stamp_list({presence(1)}));
  CHECK_THROWS_WITH_AS(store.apply(late), doctest::Contains("another Retainly workspace"),
                       LastSentStore::WorkspaceReplaced);
  CHECK_THROWS_AS(store.apply(late), cdc::SourceError);
  CHECK(customer(store, "2").empty());  // rolled back
  CHECK(store.workspace() == "production");
}
