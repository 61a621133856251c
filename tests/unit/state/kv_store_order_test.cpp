// KvStore gives LMDB a key comparison of its own (compare_in_lmdb_order): it must be
// exactly LMDB's default order, since stores written before it and LMDB's own tools use
// that one. Checked against LMDB's comparison itself, and on a store each side wrote.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "state/kv_store.h"
#include "support/temp_dir.h"

using cdc::state::compare_in_lmdb_order;
using cdc::state::KvStore;

namespace {

int sign(int value) { return (value > 0) - (value < 0); }

MDB_val val(const std::string& bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

// Keys with long common prefixes and the bytes where signedness or length decide: what
// tells one comparison from another.
std::string random_key(std::mt19937& random) {
  static constexpr unsigned char kBytes[] = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 'a'};
  std::uniform_int_distribution<size_t> length(0, 24);
  std::uniform_int_distribution<size_t> pick(0, sizeof kBytes - 1);
  std::string key(length(random), '\0');
  for (char& c : key) c = static_cast<char>(kBytes[pick(random)]);
  return key;
}

// An LMDB environment of its own, with LMDB's default comparison: the reference.
class PlainLmdb {
 public:
  explicit PlainLmdb(const std::filesystem::path& directory) {
    std::filesystem::create_directories(directory);
    REQUIRE(mdb_env_create(&env_) == 0);
    REQUIRE(mdb_env_set_maxdbs(env_, 4) == 0);
    REQUIRE(mdb_env_set_mapsize(env_, size_t{1} << 30) == 0);
    REQUIRE(mdb_env_open(env_, directory.c_str(), MDB_NOTLS, 0640) == 0);
    REQUIRE(mdb_txn_begin(env_, nullptr, 0, &txn_) == 0);
    REQUIRE(mdb_dbi_open(txn_, "a", MDB_CREATE, &dbi_) == 0);
  }
  ~PlainLmdb() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }
  PlainLmdb(const PlainLmdb&) = delete;
  PlainLmdb& operator=(const PlainLmdb&) = delete;

  int compare(const std::string& a, const std::string& b) {
    MDB_val x = val(a);
    MDB_val y = val(b);
    return mdb_cmp(txn_, dbi_, &x, &y);
  }
  void put(const std::string& key) {
    MDB_val k = val(key);
    MDB_val v = val(key);
    REQUIRE(mdb_put(txn_, dbi_, &k, &v, 0) == 0);
  }
  bool has(const std::string& key) {
    MDB_val k = val(key);
    MDB_val v;
    return mdb_get(txn_, dbi_, &k, &v) == 0 &&
           std::string_view(static_cast<char*>(v.mv_data), v.mv_size) == key;
  }
  std::vector<std::string> keys() {
    MDB_cursor* cursor = nullptr;
    REQUIRE(mdb_cursor_open(txn_, dbi_, &cursor) == 0);
    std::vector<std::string> out;
    MDB_val k;
    MDB_val v;
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      out.emplace_back(static_cast<char*>(k.mv_data), k.mv_size);
    }
    mdb_cursor_close(cursor);
    return out;
  }
  void commit() {
    REQUIRE(mdb_txn_commit(txn_) == 0);
    txn_ = nullptr;
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// The order LMDB's default comparison gives, for the expectations below.
std::vector<std::string> in_lmdb_order(std::set<std::string> keys, PlainLmdb& lmdb) {
  std::vector<std::string> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end(),
            [&](const std::string& a, const std::string& b) { return lmdb.compare(a, b) < 0; });
  return sorted;
}

}  // namespace

TEST_CASE("kv store: keys compare exactly as LMDB's own comparison has them") {
  const cdc::test::TempDir scratch("cdc_kv_order_compare");
  PlainLmdb lmdb(scratch.path() / "plain");
  std::mt19937 random(20261206);
  for (int i = 0; i < 200000; ++i) {
    const std::string a = random_key(random);
    // Half the pairs share a prefix of a, so that most differ late or only in length.
    std::string b = random_key(random);
    if (i % 2 == 0) b = a.substr(0, std::min(a.size(), b.size())) + b.substr(0, i % 3);
    const int expected = sign(lmdb.compare(a, b));
    if (sign(compare_in_lmdb_order(a, b)) != expected) {
      FAIL_CHECK("differs from LMDB for keys of " << a.size() << " and " << b.size() << " bytes");
      break;
    }
  }
  CHECK(compare_in_lmdb_order("", "") == 0);
  CHECK(compare_in_lmdb_order(std::string("\x80", 1), std::string("\x7f", 1)) > 0);
  CHECK(compare_in_lmdb_order("abcdefgh1", "abcdefgh") > 0);  // the longer one after
  CHECK(compare_in_lmdb_order("abcdefgh", "abcdefgi") < 0);   // decided in the word
}

TEST_CASE("kv store: a store LMDB wrote in its order reads and grows in ours, and back") {
  const cdc::test::TempDir scratch("cdc_kv_order_store");
  const auto directory = scratch.path() / "kv";
  std::mt19937 random(6122026);
  std::set<std::string> written;
  {
    PlainLmdb lmdb(directory);
    for (int i = 0; i < 3000; ++i) {
      const std::string key = random_key(random);
      if (key.empty()) continue;  // LMDB refuses empty keys
      lmdb.put(key);
      written.insert(key);
    }
    lmdb.commit();
  }
  {
    KvStore store(directory, {"a"});
    for (const auto& key : written) {
      REQUIRE(store.get(0, key) == std::optional<std::string_view>(key));
    }
    // Inserted at random places in the tree LMDB built, not appended.
    auto write = store.write();
    for (int i = 0; i < 3000; ++i) {
      const std::string key = random_key(random);
      if (key.empty()) continue;
      write.put(0, key, key);
      written.insert(key);
    }
    write.commit();
    std::vector<std::string> scanned;
    store.scan(0, "", [&](std::string_view key, std::string_view) {
      scanned.emplace_back(key);
      return true;
    });
    CHECK(scanned.size() == written.size());
    CHECK(std::is_sorted(scanned.begin(), scanned.end(), [](const auto& a, const auto& b) {
      return compare_in_lmdb_order(a, b) < 0;
    }));
  }
  // LMDB's own comparison finds every key in the tree both sides grew, in its order.
  PlainLmdb lmdb(directory);
  size_t found = 0;
  for (const auto& key : written) found += lmdb.has(key) ? 1 : 0;
  CHECK(found == written.size());
  CHECK(lmdb.keys() == in_lmdb_order(written, lmdb));
}
