#include "state/kv_store.h"

#include <lmdb.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "state/resident_memory.h"

namespace cdc::state {
namespace {

MDB_val val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

int compare_keys(const MDB_val* a, const MDB_val* b) {
  return compare_in_lmdb_order(view(*a), view(*b));
}

// Whether the key after the one `cursor` stands on is `key`; if so, the cursor stands on it
// and `value` is its value. Reads and updates in key order (a range of rows changed, a
// second backfill) mostly want that key: one step reads the neighbour, where a search
// compares the key with a dozen in the page (and descends from the root at a page's end).
bool next_is(MDB_cursor* cursor, std::string_view key, MDB_val& value) {
  MDB_val at;
  return mdb_cursor_get(cursor, &at, &value, MDB_NEXT) == 0 && view(at) == key;
}

bool starts_with(std::string_view key, std::string_view prefix) {
  return key.substr(0, prefix.size()) == prefix;
}

// Closes a cursor on every path out of a loop.
class Cursor {
 public:
  Cursor(MDB_txn* txn, unsigned dbi, const std::function<void(std::string_view, int)>& fail) {
    if (int rc = mdb_cursor_open(txn, dbi, &cursor_)) fail("opening a cursor", rc);
  }
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace

KvStore::KvStore(std::filesystem::path directory, std::vector<std::string> databases,
                 bool read_only, size_t map_bytes)
    : directory_(std::move(directory)), file_resident_at_open_(resident_file_bytes()) {
  if (!read_only) std::filesystem::create_directories(directory_);
  if (int rc = mdb_env_create(&env_)) fail("creating the environment", rc);
  try {
    if (int rc = mdb_env_set_maxdbs(env_, static_cast<MDB_dbi>(databases.size()))) {
      fail("setting the database count", rc);
    }
    if (int rc = mdb_env_set_mapsize(env_, map_bytes)) fail("setting the map size", rc);
    // NOTLS: the reader snapshot belongs to this object, not to a thread. NORDAHEAD: the
    // store is read at random, so readahead only evicts useful pages. NOMETASYNC: one
    // fsync per commit instead of two; a system crash may undo the last commit until the
    // next one or sync(), which callers count with (see sync()).
    unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | MDB_NOMETASYNC;
    if (read_only) flags |= MDB_RDONLY;
    if (int rc = mdb_env_open(env_, directory_.c_str(), flags, 0640)) fail("opening", rc);
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &txn)) {
      fail("starting a transaction", rc);
    }
    for (const auto& name : databases) {
      MDB_dbi dbi = 0;
      if (int rc = mdb_dbi_open(txn, name.c_str(), read_only ? 0 : MDB_CREATE, &dbi)) {
        mdb_txn_abort(txn);
        if (read_only && rc == MDB_NOTFOUND && dbis_.empty()) {
          throw NotCreated("the store in " + directory_.string() + " is being created");
        }
        if (read_only && rc == MDB_NOTFOUND) {
          throw std::runtime_error("the store in " + directory_.string() + " has no database " +
                                   name + " (written by an older version?)");
        }
        fail("opening database " + name, rc);
      }
      // Before any access, as LMDB requires; the same order as its own (see
      // compare_in_lmdb_order), so stores and tools that use that one stay valid.
      if (int rc = mdb_set_compare(txn, dbi, compare_keys)) {
        mdb_txn_abort(txn);
        fail("setting the key order of " + name, rc);
      }
      dbis_.push_back(dbi);
    }
    if (int rc = mdb_txn_commit(txn)) fail("committing the database list", rc);
    reader_ends_.assign(dbis_.size(), KeyEnd{});
    reader_cursors_.assign(dbis_.size(), nullptr);
    reader_follows_.assign(dbis_.size(), 0);
    // LMDB keeps the map's address to itself (mdb_env_info names it only for MDB_FIXEDMAP).
    std::error_code ignored;
    const Mapping map = file_mapping(std::filesystem::canonical(directory_ / "data.mdb", ignored));
    map_address_ = map.address;
    map_length_ = map.length;
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

KvStore::~KvStore() {
  // A read-only transaction's cursors outlive it unless closed.
  for (MDB_cursor* cursor : reader_cursors_) {
    if (cursor != nullptr) mdb_cursor_close(cursor);
  }
  if (reader_ != nullptr) mdb_txn_abort(reader_);
  mdb_env_close(env_);
}

void KvStore::fail(std::string_view what, int rc) const {
  throw std::runtime_error("the store in " + directory_.string() + ": " + std::string(what) +
                           " failed: " + mdb_strerror(rc));
}

KvStore::Write KvStore::write() {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn)) fail("starting a write", rc);
  return Write(*this, txn);
}

KvStore::Write::Write(Write&& other) noexcept
    : store_(other.store_),
      txn_(other.txn_),
      ends_(std::move(other.ends_)),
      cursors_(std::move(other.cursors_)),
      appenders_(std::move(other.appenders_)),
      appender_at_end_(std::move(other.appender_at_end_)),
      updater_follows_(std::move(other.updater_follows_)) {
  other.txn_ = nullptr;
}

KvStore::Write::~Write() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

std::optional<std::string_view> KvStore::Write::get(Db db, std::string_view key) {
  MDB_val k = val(key);
  MDB_val v;
  const int rc = mdb_get(txn_, store_->dbis_.at(db), &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) store_->fail("reading", rc);
  return view(v);
}

KvStore::KeyEnd& KvStore::Write::end(Db db) {
  KeyEnd& end = ends_.at(db);
  if (!end.known) end = store_->key_end(txn_, db);
  return end;
}

MDB_cursor* KvStore::Write::cursor(std::vector<MDB_cursor*>& cursors, Db db) {
  MDB_cursor*& cursor = cursors.at(db);
  if (cursor == nullptr) {
    if (int rc = mdb_cursor_open(txn_, store_->dbis_.at(db), &cursor)) {
      store_->fail("opening a cursor", rc);
    }
  }
  return cursor;
}

char* KvStore::Write::append(Db db, KeyEnd& end, std::string_view key, const char* data,
                             size_t size) {
  MDB_cursor* cursor = this->cursor(appenders_, db);
  if (appender_at_end_[db] == 0) {
    MDB_val last_key;
    MDB_val last_value;
    const int rc = mdb_cursor_get(cursor, &last_key, &last_value, MDB_LAST);
    if (rc != 0 && rc != MDB_NOTFOUND) store_->fail("reading the last key", rc);
    appender_at_end_[db] = 1;
  }
  MDB_val k = val(key);
  MDB_val v{size, const_cast<char*>(data)};
  // An empty value with no bytes reserves none: the same thing.
  if (int rc = mdb_cursor_put(cursor, &k, &v, MDB_APPEND | (data == nullptr ? MDB_RESERVE : 0))) {
    store_->fail("writing", rc);
  }
  end.empty = false;
  end.last.assign(key);
  updater_follows_[db] = 0;
  return static_cast<char*>(v.mv_data);
}

char* KvStore::Write::append_in_place(Db db, std::string_view key, size_t size) {
  return append(db, end(db), key, nullptr, size);
}

void KvStore::Write::put(Db db, std::string_view key, std::string_view value) {
  KeyEnd& last = end(db);
  if (last.past(key)) {
    append(db, last, key, value.data(), value.size());
    return;
  }
  moved_end(db);
  MDB_val k = val(key);
  MDB_val v = val(value);
  if (int rc = mdb_put(txn_, store_->dbis_.at(db), &k, &v, 0)) store_->fail("writing", rc);
}

void KvStore::Write::update(
    Db db, std::string_view key,
    const std::function<void(std::optional<std::string_view>, std::string&)>& make,
    std::string& out) {
  KeyEnd& last = end(db);
  if (last.past(key)) {
    make(std::nullopt, out);
    append(db, last, key, out.data(), out.size());
    return;
  }
  const bool follows = updater_follows_[db] != 0;
  moved_end(db);
  MDB_cursor* cursor = this->cursor(cursors_, db);
  MDB_val v;
  // One step on from the last update's key, else (anything else there) the search.
  bool found = follows && next_is(cursor, key, v);
  if (!found) {
    MDB_val k = val(key);
    const int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_KEY);
    if (rc != 0 && rc != MDB_NOTFOUND) store_->fail("reading", rc);
    found = rc == 0;
  }
  make(found ? std::optional<std::string_view>(view(v)) : std::nullopt, out);
  // Found: written where the cursor stands, without searching again. The put names the
  // key from the caller's bytes: MDB_SET_KEY pointed k into the page, and a value of
  // another size moves the node.
  MDB_val put_key = val(key);
  MDB_val value = val(out);
  if (int put = mdb_cursor_put(cursor, &put_key, &value, found ? MDB_CURRENT : 0)) {
    store_->fail("writing", put);
  }
  updater_follows_[db] = 1;  // the cursor stands on `key`, found or just added
}

bool KvStore::Write::erase(Db db, std::string_view key) {
  moved_end(db);
  MDB_val k = val(key);
  const int rc = mdb_del(txn_, store_->dbis_.at(db), &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) store_->fail("deleting", rc);
  return true;
}

uint64_t KvStore::Write::erase_prefix(Db db, std::string_view prefix) {
  return erase_if(
      db, [](std::string_view, std::string_view) { return true; }, prefix);
}

uint64_t KvStore::Write::erase_if(
    Db db, const std::function<bool(std::string_view, std::string_view)>& drop,
    std::string_view prefix) {
  Walk walk{.prefix = std::string(prefix)};
  return erase_if(db, drop, walk);
}

uint64_t KvStore::Write::erase_if(
    Db db, const std::function<bool(std::string_view, std::string_view)>& drop, Walk& walk) {
  uint64_t erased = 0;
  this->walk(db, walk, [&](MDB_cursor* cursor, std::string_view key, std::string_view value) {
    if (!drop(key, value)) return;
    if (int del = mdb_cursor_del(cursor, 0)) store_->fail("deleting", del);
    ++erased;
  });
  return erased;
}

uint64_t KvStore::Write::rewrite(
    Db db, const std::function<void(std::string_view, std::string_view, std::string&)>& edit) {
  Walk walk;
  return rewrite(db, edit, walk);
}

uint64_t KvStore::Write::rewrite(
    Db db, const std::function<void(std::string_view, std::string_view, std::string&)>& edit,
    Walk& walk) {
  uint64_t changed = 0;
  std::string out;
  std::string key;
  this->walk(db, walk, [&](MDB_cursor* cursor, std::string_view at, std::string_view value) {
    out.clear();
    edit(at, value, out);
    if (out.empty()) {
      if (int del = mdb_cursor_del(cursor, 0)) store_->fail("deleting", del);
      ++changed;
    } else if (out != value) {
      // The put names the key from a copy, as update() does: `at` points into the page,
      // and a value of another size moves the node (LMDB deletes it, then adds it again
      // from the bytes `at` names, which the delete has moved).
      key.assign(at);
      MDB_val put_key = val(key);
      MDB_val replacement = val(out);
      if (int put = mdb_cursor_put(cursor, &put_key, &replacement, MDB_CURRENT)) {
        store_->fail("writing", put);
      }
      ++changed;
    }
  });
  return changed;
}

void KvStore::Write::walk(
    Db db, Walk& walk,
    const std::function<void(MDB_cursor*, std::string_view, std::string_view)>& visit) {
  moved_end(db);
  Cursor cursor(txn_, store_->dbis_.at(db),
                [&](std::string_view what, int rc) { store_->fail(what, rc); });
  const std::string& from = walk.next.empty() ? walk.prefix : walk.next;
  MDB_val k = val(from);
  MDB_val v;
  int rc = mdb_cursor_get(cursor.get(), &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  for (size_t visited = 0; rc == 0 && starts_with(view(k), walk.prefix); ++visited) {
    if (visited >= walk.limit) {
      walk.next.assign(view(k));
      return;
    }
    visit(cursor.get(), view(k), view(v));
    // After a delete the cursor already stands on the next key, and MDB_NEXT knows it.
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT);
  }
  if (rc != 0 && rc != MDB_NOTFOUND) store_->fail("scanning", rc);
  walk.next.clear();
  walk.done = true;
}

void KvStore::Write::commit() {
  MDB_txn* txn = txn_;
  txn_ = nullptr;
  if (int rc = mdb_txn_commit(txn)) store_->fail("committing", rc);
  // Readers move to this commit before their next read (reader()); possibly on another
  // thread, which owns the reader.
  store_->generation_.fetch_add(1, std::memory_order_release);
  store_->bound_mapped_pages();
}

void KvStore::bound_mapped_pages() {
  if (map_address_ == nullptr) return;
  if (resident_file_bytes() <= file_resident_at_open_ + mapped_budget_) return;
  MDB_envinfo info;
  MDB_stat env_stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &env_stat);
  // The pages in use, not the whole reserved map: the kernel walks what it is given.
  const size_t used = static_cast<size_t>(info.me_last_pgno + 1) * env_stat.ms_psize;
  // A read-only shared mapping of clean pages (writes go through the file, not the map):
  // dropping them loses nothing. A failure only leaves them mapped.
  ::madvise(map_address_, std::min(used, map_length_), MADV_DONTNEED);
}

void KvStore::sync() {
  if (int rc = mdb_env_sync(env_, 1)) fail("syncing", rc);
}

MDB_txn* KvStore::reader() {
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (generation != reader_generation_ && !scanning_) {
    refresh();
    reader_generation_ = generation;
  }
  if (reader_ == nullptr) {
    if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &reader_)) fail("starting a read", rc);
    reader_live_ = true;
  } else if (!reader_live_) {
    if (int rc = mdb_txn_renew(reader_)) fail("renewing a read", rc);
    reader_live_ = true;
    // get()'s cursors move to the new snapshot with it.
    for (MDB_cursor* cursor : reader_cursors_) {
      if (cursor == nullptr) continue;
      if (int rc = mdb_cursor_renew(reader_, cursor)) fail("renewing a cursor", rc);
    }
  }
  return reader_;
}

void KvStore::refresh() {
  // Reset keeps the handle for a cheap renew; an old snapshot would also keep LMDB from
  // reusing the pages later commits freed.
  if (reader_ != nullptr && reader_live_) {
    mdb_txn_reset(reader_);
    reader_live_ = false;
  }
  reader_ends_.assign(dbis_.size(), KeyEnd{});  // the next snapshot may end elsewhere
  reader_follows_.assign(dbis_.size(), 0);      // renewed cursors stand nowhere
}

KvStore::KeyEnd KvStore::key_end(MDB_txn* txn, Db db) const {
  Cursor cursor(txn, dbis_.at(db), [&](std::string_view what, int rc) { fail(what, rc); });
  MDB_val k;
  MDB_val v;
  KeyEnd end;
  end.known = true;
  const int rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_LAST);
  if (rc == MDB_NOTFOUND) {
    end.empty = true;
  } else if (rc != 0) {
    fail("reading the last key", rc);
  } else {
    end.last.assign(view(k));
  }
  return end;
}

KvStore::KeyEnd& KvStore::reader_end(MDB_txn* txn, Db db) {
  KeyEnd& end = reader_ends_.at(db);
  if (!end.known) end = key_end(txn, db);
  return end;
}

bool KvStore::past_end(Db db, std::string_view key) { return reader_end(reader(), db).past(key); }

std::optional<std::string_view> KvStore::get(Db db, std::string_view key) {
  MDB_txn* txn = reader();
  if (reader_end(txn, db).past(key)) return std::nullopt;
  MDB_cursor* cursor = reader_cursor(txn, db);
  MDB_val v;
  // One step on from the last key found, else the search.
  char& follows = reader_follows_[db];
  if (follows != 0 && next_is(cursor, key, v)) return view(v);
  MDB_val k = val(key);
  const int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET);
  follows = rc == 0;
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) fail("reading", rc);
  return view(v);
}

MDB_cursor* KvStore::reader_cursor(MDB_txn* txn, Db db) {
  MDB_cursor*& cursor = reader_cursors_.at(db);
  if (cursor == nullptr) {
    if (int rc = mdb_cursor_open(txn, dbis_.at(db), &cursor)) fail("opening a cursor", rc);
  }
  return cursor;
}

void KvStore::scan(Db db, std::string_view prefix,
                   const std::function<bool(std::string_view, std::string_view)>& visit) {
  if (scanning_) throw std::logic_error("KvStore::scan inside a scan");
  refresh();
  // Afterwards no snapshot stays open: an idle one would keep LMDB from reusing the pages
  // later commits free (the next read opens the latest). After the cursor is closed.
  struct Done {
    KvStore& store;
    ~Done() {
      store.scanning_ = false;
      store.refresh();
    }
  } done{*this};
  MDB_txn* txn = reader();
  Cursor cursor(txn, dbis_.at(db), [&](std::string_view what, int rc) { fail(what, rc); });
  scanning_ = true;
  MDB_val k = val(prefix);
  MDB_val v;
  int rc = mdb_cursor_get(cursor.get(), &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0 && starts_with(view(k), prefix)) {
    if (!visit(view(k), view(v))) return;
    rc = mdb_cursor_get(cursor.get(), &k, &v, MDB_NEXT);
  }
  if (rc != MDB_NOTFOUND && rc != 0) fail("scanning", rc);
}

KvStore::Stats KvStore::stats() {
  Stats stats;
  refresh();
  MDB_txn* txn = reader();
  MDB_envinfo info;
  MDB_stat env_stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &env_stat);
  stats.used_bytes = static_cast<uint64_t>(info.me_last_pgno + 1) * env_stat.ms_psize;
  std::error_code ignored;
  const auto size = std::filesystem::file_size(directory_ / "data.mdb", ignored);
  stats.file_bytes = ignored ? 0 : size;
  for (MDB_dbi dbi : dbis_) {
    MDB_stat db_stat;
    if (int rc = mdb_stat(txn, dbi, &db_stat)) fail("reading statistics", rc);
    stats.entries.push_back(db_stat.ms_entries);
  }
  refresh();  // no idle snapshot left open, as after a scan
  return stats;
}

}  // namespace cdc::state
