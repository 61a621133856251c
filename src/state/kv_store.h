// An embedded ordered key-value store in one directory: LMDB (a copy-on-write B+tree in a
// memory-mapped file). Chosen for the last-sent store because reads are plain memory
// reads from a consistent snapshot and no crash leaves the file inconsistent; the figures
// behind the choice are in docs/last-sent-store.md.
//
// Knows bytes only; what keys and values mean is the caller's business.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

// LMDB's handles, kept out of this header.
struct MDB_env;
struct MDB_txn;
struct MDB_cursor;

namespace cdc::state {

// LMDB's default order of keys (its mdb_cmp_memn): bytes compared unsigned, then the
// shorter key first. <0, 0 or >0 as memcmp. KvStore gives it to LMDB for every database:
// LMDB compares a few keys per tree level on every lookup and insert, each time through a
// call to memcmp in another library; this compares eight bytes a step inline. It must be
// exactly LMDB's order, which stores written before it and LMDB's tools (mdb_dump) use.
// Inline: callers outside the store (KeyEnd, the changed filter's keys in order) compare
// short keys on every call, where a call to memcmp costs more than the comparison.
inline int compare_in_lmdb_order(std::string_view a, std::string_view b) noexcept {
  const size_t common = std::min(a.size(), b.size());
  size_t at = 0;
  for (; at + 8 <= common; at += 8) {
    uint64_t x = 0;
    uint64_t y = 0;
    std::memcpy(&x, a.data() + at, 8);
    std::memcpy(&y, b.data() + at, 8);
    if (x != y) {
      // Big-endian, so that the first differing byte decides, as in memcmp.
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; at < common; ++at) {
    const auto x = static_cast<unsigned char>(a[at]);
    const auto y = static_cast<unsigned char>(b[at]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

class KvStore {
 public:
  // A named database inside the store, by its index in the names given to the constructor.
  using Db = unsigned;

  // Address space, not disk: the file grows only as pages are used. Enough for hundreds of
  // millions of customers; a full map fails the commit with a message naming the store.
  static constexpr size_t kDefaultMapBytes = size_t{256} << 30;

  // Thrown by a read-only open of a store that has its file but none of its databases yet:
  // the writer creating it has not committed them (they come in one transaction).
  struct NotCreated : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  // Opens the store in `directory` (created if missing, unless `read_only`), with the
  // named databases `databases`. Throws std::runtime_error naming the directory.
  // `map_bytes` other than the default is for tools: valgrind cannot map 256 GiB.
  KvStore(std::filesystem::path directory, std::vector<std::string> databases,
          bool read_only = false, size_t map_bytes = kDefaultMapBytes);
  ~KvStore();
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // Where a database's keys end, as one snapshot sees it: a key past the last one is
  // absent without a search, and one written there is appended without one (MDB_APPEND).
  // Rows inserted with growing ids make customer keys that all land there.
  struct KeyEnd {
    bool known = false;  // looked up for this snapshot
    bool empty = false;  // the database has no key
    std::string last;
    // Whether `key` sorts after every key, in the order LMDB keeps them.
    bool past(std::string_view key) const { return empty || compare_in_lmdb_order(key, last) > 0; }
  };

  // A walk over a whole database in several write transactions, `limit` keys each: one
  // transaction that rewrites a whole large store holds every page it dirties in memory
  // and cannot reuse the pages it frees, so it doubles the file (10M customers: 1.5 GB of
  // memory, 1 GB more file). Start with `next` empty; each call goes on from `next` and
  // leaves it at the key to go on from, with `done` set once the walk passed the last key
  // (of those starting with `prefix`).
  struct Walk {
    size_t limit = SIZE_MAX;
    std::string prefix;
    std::string next;
    bool done = false;
  };

  // One write transaction: invisible to readers until commit(); abandoned (rolled back)
  // if destroyed before. Only one exists at a time per store, across processes too.
  class Write {
   public:
    ~Write();
    Write(Write&&) noexcept;
    Write& operator=(Write&&) = delete;

    // The value, valid until the next change through this transaction.
    std::optional<std::string_view> get(Db db, std::string_view key);
    void put(Db db, std::string_view key, std::string_view value);
    // Sets `key` to what `make(current, out)` writes into `out`, `current` being the value
    // there or nothing: one search of the tree for a key that is there (get() then put()
    // take two), none for one past the end. `out` is scratch the caller keeps.
    void update(Db db, std::string_view key,
                const std::function<void(std::optional<std::string_view>, std::string&)>& make,
                std::string& out);
    // Whether `key` sorts past every key of `db` in this transaction: it is not there, and
    // writing it appends without a search.
    bool past_end(Db db, std::string_view key) { return end(db).past(key); }
    // Writes `key`, which must be past_end(), with a value of `size` bytes for the caller
    // to fill in place, at the returned pointer (valid until the next change through this
    // transaction): appended without a search (MDB_APPEND), the value written straight into
    // its page (MDB_RESERVE). Not checked again here (the caller just asked): LMDB refuses
    // a key that is not past its last, and this throws std::runtime_error.
    char* append_in_place(Db db, std::string_view key, size_t size);
    // True if the key was there.
    bool erase(Db db, std::string_view key);
    // Removes every key starting with `prefix`; returns how many.
    uint64_t erase_prefix(Db db, std::string_view prefix);
    // Removes every key of `db` starting with `prefix` for which `drop(key, value)` is
    // true; returns how many.
    uint64_t erase_if(Db db, const std::function<bool(std::string_view, std::string_view)>& drop,
                      std::string_view prefix = {});
    // The same for at most `walk.limit` keys from `walk.next` on (Walk).
    uint64_t erase_if(Db db, const std::function<bool(std::string_view, std::string_view)>& drop,
                      Walk& walk);
    // Rewrites every value of `db` through `edit` (key, value, out); an empty `out`
    // removes the key, `out` equal to the value leaves it. Returns how many changed.
    uint64_t rewrite(
        Db db, const std::function<void(std::string_view, std::string_view, std::string&)>& edit);
    // The same for at most `walk.limit` keys from `walk.next` on (Walk).
    uint64_t rewrite(
        Db db, const std::function<void(std::string_view, std::string_view, std::string&)>& edit,
        Walk& walk);
    void commit();

   private:
    friend class KvStore;
    Write(KvStore& store, MDB_txn* txn)
        : store_(&store),
          txn_(txn),
          ends_(store.dbis_.size()),
          cursors_(store.dbis_.size()),
          appenders_(store.dbis_.size()),
          appender_at_end_(store.dbis_.size()),
          updater_follows_(store.dbis_.size()) {}
    // This transaction's end of `db`. Erasing may leave it above the true last key, which
    // only sends a few keys the searching way.
    KeyEnd& end(Db db);
    // Writes `key` past the end without a search and moves the end to it, valued the
    // `size` bytes at `data`; with `data` null, `size` bytes left for the caller to write
    // where the returned pointer says, in the page (MDB_RESERVE).
    char* append(Db db, KeyEnd& end, std::string_view key, const char* data, size_t size);
    KvStore* store_;
    MDB_txn* txn_;
    std::vector<KeyEnd> ends_;
    // update()'s cursor per database, opened on first use; LMDB closes a write
    // transaction's cursors when it ends.
    std::vector<MDB_cursor*> cursors_;
    // append()'s cursor per database. Standing on the last key, it lets LMDB append
    // without searching the tree from its root (MDB_APPEND through a cursor is LMDB's
    // bulk-load path). Any other write to the database may move the end, so it is put
    // back on the last key (MDB_LAST) before the next append.
    std::vector<MDB_cursor*> appenders_;
    std::vector<char> appender_at_end_;
    // update()'s cursor stands on the key the last update() of `db` wrote, and nothing
    // else wrote to `db` since: the next key in order is one step on.
    std::vector<char> updater_follows_;
    // Another write to `db` than an append.
    void moved_end(Db db) {
      appender_at_end_.at(db) = 0;
      updater_follows_.at(db) = 0;
    }
    // Visits the keys of `walk` (Walk) with a cursor standing on each, which `visit` may
    // delete or overwrite (MDB_CURRENT).
    void walk(Db db, Walk& walk,
              const std::function<void(MDB_cursor*, std::string_view, std::string_view)>& visit);
    // `cursors`' cursor for `db` (cursors_ or appenders_), opened on first use.
    MDB_cursor* cursor(std::vector<MDB_cursor*>& cursors, Db db);
  };
  Write write();

  // Reads from a snapshot that stays open between calls, so a read costs a tree lookup and
  // nothing else; it moves to the latest commit when a Write committed since (on any
  // thread), or on refresh(). The value stays valid until the next read or refresh().
  // Reads, scan(), stats() and refresh() belong to one thread at a time; writes may come
  // from another.
  std::optional<std::string_view> get(Db db, std::string_view key);
  // Whether `key` sorts after every key of `db` in the reader's snapshot: get() would
  // answer nothing, and this says so without the rest of a read.
  bool past_end(Db db, std::string_view key);
  void refresh();
  // Calls `visit(key, value)` for each key starting with `prefix`, in key order, from a
  // fresh snapshot, until it returns false. Reads (get()) inside `visit` read that snapshot
  // too, whatever commits meanwhile; a scan inside `visit` is not allowed.
  void scan(Db db, std::string_view prefix,
            const std::function<bool(std::string_view, std::string_view)>& visit);

  struct Stats {
    uint64_t file_bytes = 0;        // the data file's size on disk
    uint64_t used_bytes = 0;        // pages in use × page size
    std::vector<uint64_t> entries;  // per database, in the constructor's order
  };
  Stats stats();

  // Makes every commit durable (fsync). Commits are durable but for the last one, which a
  // system crash may undo until the next commit or sync (MDB_NOMETASYNC: one fsync a
  // commit instead of two).
  void sync();

  const std::filesystem::path& directory() const { return directory_; }

  // Every page a read touches stays mapped, and the kernel counts it as the process's
  // resident memory: clean page cache it may drop at any time, but what operators and
  // their monitoring see as the connector's size. Without a bound, a store of 10M
  // customers would show as 1.5 GiB resident once the stream had read all of it. After
  // each commit, when the process's file-backed resident memory has grown by more than
  // this budget since the store opened, the store's pages are unmapped (MADV_DONTNEED):
  // they stay in the page cache, and the next read maps them again with a minor fault.
  static constexpr size_t kDefaultMappedBudget = size_t{32} << 20;
  void set_mapped_budget(size_t bytes) { mapped_budget_ = bytes; }

 private:
  MDB_txn* reader();
  // The reader's end of `db` in `txn` (reader()'s), looked up once a snapshot.
  KeyEnd& reader_end(MDB_txn* txn, Db db);
  // The last key of `db` in `txn` (a cursor's MDB_LAST).
  KeyEnd key_end(MDB_txn* txn, Db db) const;
  [[noreturn]] void fail(std::string_view what, int rc) const;
  // Unmaps the store's pages if they took more than the budget (set_mapped_budget()).
  // Thread-safe: readers on another thread map what they touch again.
  void bound_mapped_pages();

  std::filesystem::path directory_;
  size_t mapped_budget_ = kDefaultMappedBudget;
  uint64_t file_resident_at_open_ = 0;  // resident_file_bytes() before the map was read
  void* map_address_ = nullptr;         // the data file's mapping, if found
  size_t map_length_ = 0;
  MDB_env* env_ = nullptr;
  std::vector<unsigned> dbis_;
  MDB_txn* reader_ = nullptr;
  bool reader_live_ = false;
  // get()'s cursor per database, opened on first use and kept across reads (reader()
  // renews each with the snapshot): a read through a cursor that stands on a leaf page
  // searches that page alone when the key is in its range, where mdb_get() descends from
  // the root every time. Reads in key order (a second backfill, updates of a range of
  // rows) mostly stay on one page.
  std::vector<MDB_cursor*> reader_cursors_;
  MDB_cursor* reader_cursor(MDB_txn* txn, Db db);
  // get()'s cursor of `db` stands on the key the last get() found in this snapshot.
  std::vector<char> reader_follows_;
  std::vector<KeyEnd> reader_ends_;      // per database, for the reader's snapshot
  std::atomic<uint64_t> generation_{0};  // commits so far
  uint64_t reader_generation_ = 0;       // the commits the reader's snapshot has seen
  bool scanning_ = false;                // a scan() runs: its cursor needs the snapshot
};

}  // namespace cdc::state
