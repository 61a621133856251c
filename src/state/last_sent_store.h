// The last-sent store: what Retainly holds from us, as compact hashes. Per customer, one
// stamp per field (the hash of the field's last acknowledged value) and one presence stamp
// per source table that upserted the customer; per array item, the hash of the whole item
// (Retainly replaces items whole). Kept in a KvStore under state_dir/last-sent/ (or
// last_sent_dir).
//
// Knows customer ids, field names and hashes; nothing of calls, databases or HTTP. Who
// decides what to write, and when, is pipeline/changed_filter.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "state/kv_store.h"

namespace cdc::state {

class StampLayouts;
struct StampLayout;

// One customer field as Retainly holds it from us. `value` hashes the field's name and its
// JSON together, so two fields whose name hashes collide still never compare equal.
struct FieldStamp {
  uint32_t name = 0;   // hash of the field name; kPresenceName for a presence stamp
  uint16_t table = 0;  // the tag of the source table that sent it
  uint64_t value = 0;
  friend bool operator==(const FieldStamp&, const FieldStamp&) = default;
};

// A presence stamp: "table `table` upserted this customer", whether or not it sent fields.
// `backfill --mirror` deletes customers by it.
inline constexpr uint32_t kPresenceName = 0;

// A tombstone: the presence stamp of table 0 (tags start at 1), the only stamp of a
// customer we deleted. It keeps an `on_delete: set` of a later transaction from
// re-creating the customer; any other upsert replaces it.
inline constexpr FieldStamp kTombstone{kPresenceName, 0, 0};

// Whether `stamp` says what value Retainly holds (a field stamp, or a tombstone: none), as
// opposed to a presence stamp, which says only which table created the customer.
inline bool holds_value(const FieldStamp& stamp) {
  return stamp.name != kPresenceName || stamp == kTombstone;
}

// Field stamps are one per name, presence stamps one per table: whether a stamp (or a
// pending value) with `a_name` and `a_table` stands in the slot of `name` and `table`.
inline bool same_slot(uint32_t a_name, uint16_t a_table, uint32_t name, uint16_t table) {
  return a_name == name && (name != kPresenceName || a_table == table);
}

uint32_t field_name_hash(std::string_view name);  // never kPresenceName
uint64_t field_value_hash(std::string_view name, std::string_view json);
// Both of one attribute's hashes, the name hashed once (the value's hash is seeded with it).
struct FieldHashes {
  uint32_t name;
  uint64_t value;
};
FieldHashes field_hashes(std::string_view name, std::string_view json);
// The same from the name's XXH3_64bits, for a caller that keeps it (an interned
// retainly::Name does).
FieldHashes field_hashes_by_name_hash(uint64_t name_xxh3, std::string_view json);

// Bytes one whole stamp takes in a customer's value (most values hold a layout's id and
// 8 bytes a field instead: state/stamp_layouts.h).
inline constexpr size_t kStampBytes = 14;

struct ItemStamp {
  uint16_t table = 0;
  uint64_t value = 0;
  friend bool operator==(const ItemStamp&, const ItemStamp&) = default;
};

// Changes to apply together, in order.
class LastSentBatch {
 public:
  // `stamps` in any order; of two in one slot, the later wins.
  void upsert_customer(std::string_view customer, std::span<const FieldStamp> stamps);
  void delete_customer(std::string_view customer);
  void upsert_item(std::string_view customer, std::string_view field, std::string_view item,
                   ItemStamp stamp);
  void delete_item(std::string_view customer, std::string_view field, std::string_view item);
  // A field name a flattened json value (`flatten:`) of table `tag` produced, kept for good.
  void add_flattened_name(uint16_t tag, std::string_view name);
  // A caller's progress (a backfill's checkpoint), opaque bytes under `name`, committed
  // with the stamps: durable exactly when they are. An empty `value` removes it.
  void set_progress(std::string_view name, std::string_view value);
  // Fields sent and fields skipped since the last batch, added to the store's totals (for
  // `status`: the share of fields skipped).
  void count(uint64_t fields_sent, uint64_t fields_skipped) {
    fields_sent_ += fields_sent;
    fields_skipped_ += fields_skipped;
  }
  bool empty() const {
    return ops_.empty() && progress_.empty() && fields_sent_ == 0 && fields_skipped_ == 0;
  }
  size_t size() const { return ops_.size(); }
  void clear() {
    ops_.clear();
    stamps_.clear();
    progress_.clear();
    fields_sent_ = fields_skipped_ = 0;
  }

 private:
  friend class LastSentStore;
  enum class Kind : uint8_t {
    kUpsertCustomer,
    kDeleteCustomer,
    kUpsertItem,
    kDeleteItem,
    kAddName
  };
  struct Op {
    Kind kind;
    std::string key;  // customer id, or the item key
    // A customer upsert's stamps: stamps_[first, first + count). One array for the whole
    // batch, so that a batch of 20,000 upserts allocates nothing once it has grown.
    uint32_t first = 0;
    uint32_t count = 0;
    ItemStamp item;
  };
  std::span<const FieldStamp> stamps(const Op& op) const {
    return std::span(stamps_).subspan(op.first, op.count);
  }
  std::vector<Op> ops_;
  std::vector<FieldStamp> stamps_;
  std::vector<std::pair<std::string, std::string>> progress_;  // key, value; applied last
  uint64_t fields_sent_ = 0;
  uint64_t fields_skipped_ = 0;
};

class LastSentStore {
 public:
  // The store in `directory` read only, or nullptr while there is none: no file yet, or a
  // writer beside us still creating it. For readers that never create one (dry runs,
  // `status`, `preview`).
  static std::unique_ptr<LastSentStore> open_existing(const std::filesystem::path& directory);

  // Opens (or creates) the store in `directory`. A read-only store (dry runs, `status`)
  // answers from what is there and learns nothing: apply() does nothing and unknown tables
  // get tag 0, which no entry has. `map_bytes`: KvStore's, for tools.
  explicit LastSentStore(std::filesystem::path directory, bool read_only = false,
                         size_t map_bytes = KvStore::kDefaultMapBytes);
  ~LastSentStore();

  // The customer's stamps, sorted by name then table; empty if the store has none, just
  // kTombstone if we deleted it.
  void customer(std::string_view customer, std::vector<FieldStamp>& out);
  // The same by the customer's key (customer_key()), for a caller that keeps it.
  void customer_at(std::string_view key, std::vector<FieldStamp>& out);
  // Whether the customer of `key` (customer_key()) sorts after every customer the store
  // holds, so that it holds nothing of it: a new customer in a stream of growing ids,
  // known without the rest of a read.
  bool past_customers(std::string_view key);
  std::optional<ItemStamp> item(std::string_view customer, std::string_view field,
                                std::string_view item);
  std::optional<ItemStamp> item_at(std::string_view key);  // by item_key()
  // Whether the store holds an item of the customer of `key` (customer_key()).
  bool has_items_of(std::string_view key);

  // The tag of a source table ("public.users"), assigned on first use and kept.
  uint16_t table_tag(std::string_view table);
  // The table of a tag, empty if unknown.
  std::string table_name(uint16_t tag);
  // The names flattened json values of table `tag` produced (LastSentBatch::
  // add_flattened_name), in key order. The stamps hold only hashes; these let a key that a
  // json value lost be sent as null when the old value is not known.
  void flattened_names(uint16_t tag, const std::function<void(std::string_view)>& visit);
  // What LastSentBatch::set_progress last committed under `name`, if anything.
  std::optional<std::string> progress(std::string_view name);
  // Every progress entry whose name starts with `prefix`, in name order.
  void progress_entries(
      std::string_view prefix,
      const std::function<void(std::string_view name, std::string_view value)>& visit);
  // Removes, in a commit of its own, every progress entry whose name starts with `prefix`;
  // returns how many.
  uint64_t forget_progress(std::string_view prefix);

  // Applies the batch in order and commits it. The commit is durable once the next one
  // returns, or sync() (KvStore::sync).
  void apply(const LastSentBatch& batch);

  // A fence against a process that lost the instance lock with a commit still to come
  // (frozen, or its disk slow, for longer than the takeover delay) while the instance that
  // took over writes the same store (one host, one state_dir). claim_writer(instance)
  // commits a new random name as the writer of `instance` (the lock, as InstanceLock::
  // describe() gives it: both instances of a pair take the same one); from then on each
  // commit() of this object checks first, inside its write transaction (which no other
  // writer can enter), that the store still names it, and throws WriterReplaced if not.
  // Refusing is safe: the instance that took over streams from the source's position,
  // which never passes what a durable commit recorded, so it sends and stamps the refused
  // commit's calls again. Committed late, over its newer stamps, they could have skipped
  // a field Retainly lacks. Connectors under other locks that share the store do not
  // fence each other. A SourceError (exit 4), as the lost lock it follows.
  void claim_writer(std::string_view instance);
  struct WriterReplaced : SourceError {
    using SourceError::SourceError;
  };

  // The Retainly workspace whose calls the stamps describe, as claim_workspace() named it
  // (an opaque name), if one did.
  std::optional<std::string> workspace();
  // Names `workspace` as the one the stamps describe, in a commit of its own, and from then
  // on fences this object's commits by it as claim_writer() does by the writer: a store
  // that names another since (a connector sending to another workspace, wrongly given the
  // same last_sent_dir, claimed it) refuses them with WorkspaceReplaced. Its stamps are
  // then that connector's, which would skip fields this one's workspace lacks.
  void claim_workspace(std::string_view workspace);
  struct WorkspaceReplaced : SourceError {
    using SourceError::SourceError;
  };

  // One commit written change by change, for a caller that holds its changes already (the
  // filter's settled calls): apply() without copying them into a batch first, which was a
  // sixth of the filter's commit time. Customers and items go by their keys
  // (customer_key(), item_key()). Readers see none of it before commit(); destroyed
  // before, it is rolled back. A read-only store's commit writes nothing.
  class Commit {
   public:
    // Returned by LastSentStore::commit() without a move (C++17 elision).
    Commit(Commit&&) = delete;
    Commit& operator=(Commit&&) = delete;
    // Not committed: rolled back, and the layouts it wrote forgotten.
    ~Commit();

    // `stamps` in any order; of two in one slot, the later wins.
    void upsert_customer(std::string_view key, std::span<const FieldStamp> stamps);
    void delete_customer(std::string_view key);
    void upsert_item(std::string_view key, ItemStamp stamp);
    bool delete_item(std::string_view key);  // whether it was there
    // The batch's changes, after those written so far.
    void apply(const LastSentBatch& batch);
    // Removes from the customers of `walk` (KvStore::Walk) the stamps `stamp` picks (a
    // customer left with none goes); returns how many. For LastSentStore::drop().
    uint64_t drop_stamps(const std::function<bool(const FieldStamp&)>& stamp, KvStore::Walk& walk);
    // The same for the one customer of `key` (customer_key()).
    uint64_t drop_customer_stamps(std::string_view key,
                                  const std::function<bool(const FieldStamp&)>& stamp);
    // Removes the items of the customer of `key`; returns how many.
    uint64_t drop_items_of(std::string_view key);
    // The commit is durable once the next one returns, or sync().
    void commit();

   private:
    friend class LastSentStore;
    Commit(LastSentStore& store, std::optional<KvStore::Write> write)
        : store_(&store), write_(std::move(write)) {}

    // A customer's value for `stamps` (sorted, one a slot) into `out`: in the form of their
    // layout, written now if it is new, or as whole stamps if they can have none.
    void encode(std::span<const FieldStamp> stamps, std::string& out);
    // A customer's value `value` without the stamps `stamp` picks, into `out`: `value`
    // itself when it picks none, empty when none is left. Returns how many it picked.
    uint64_t without(std::string_view value, const std::function<bool(const FieldStamp&)>& stamp,
                     std::string& out);
    // The id of the layout of `stamps` (sorted, one a slot), written now if new; 0 if they
    // can have none.
    uint32_t layout_for(std::span<const FieldStamp> stamps);
    // `bytes`, a customer's value in a layout's form, with `changes` laid over them into
    // `out`, when every change's slot is in the layout. False (`out` unspecified) if not.
    bool patch(std::string_view bytes, std::span<const FieldStamp> changes, std::string& out);

    // Where each of a new customer's stamps goes in the stored order (by slot), learned
    // from one customer's stamps and kept for the next: calls of one mapping name the same
    // fields in the same order, so an insert stream or a backfill sorts once, not once a
    // customer. Only for up to kMaxOrdered stamps of distinct slots.
    class SlotOrder {
     public:
      static constexpr size_t kMaxOrdered = 16;
      // Whether `stamps` name the slots the order was learned from, in the same order;
      // else learns theirs. False when it cannot (too many, or two in one slot).
      bool fit(std::span<const FieldStamp> stamps);
      // Where stamp i goes (once fit()).
      size_t place(size_t i) const { return place_[i]; }
      // The layout of the order's slots, once looked up (nullptr: they have none).
      bool layout_known() const { return layout_known_; }
      const StampLayout* layout() const { return layout_; }
      void set_layout(const StampLayout* layout) {
        layout_ = layout;
        layout_known_ = true;
      }

     private:
      std::array<uint64_t, kMaxOrdered> keys_{};  // name and table, in the stamps' order
      std::array<uint8_t, kMaxOrdered> place_{};
      size_t size_ = 0;  // 0: nothing learned
      const StampLayout* layout_ = nullptr;
      bool layout_known_ = false;
    };

    LastSentStore* store_;
    std::optional<KvStore::Write> write_;  // none for a read-only store
    std::vector<uint32_t> new_layouts_;    // written by this commit, not committed yet
    std::vector<FieldStamp> stamps_;       // scratch, kept across upserts
    std::string bytes_;
    SlotOrder order_;
  };
  Commit commit();
  void sync();

  // Drops everything (`table` empty) or what one table sent: its field and presence stamps
  // and its items. Returns the entries (stamps and items) removed.
  uint64_t forget(std::string_view table = {}, size_t batch = kDropBatch);
  // Customers or items a commit of forget() and forget_values() rewrites at most: each
  // commits in parts (KvStore::Walk), so that a store of millions of customers neither
  // holds them all in memory nor doubles its file. An interrupted one leaves part of it
  // done, which the caller repeats (ChangedFilter::check_resume checks again at the next
  // start; the `forget` command is run again).
  static constexpr size_t kDropBatch = 100'000;

  // Drops what the store says of the values Retainly holds (field stamps, tombstones and
  // items) and keeps which tables upserted each customer (presence stamps, for `backfill
  // --mirror`): for a store that missed calls, whose next change of each customer then
  // sends every field. Returns the stamps and items removed.
  uint64_t forget_values(size_t batch = kDropBatch);

  // For `backfill --mirror`: every customer with a presence stamp of `tag`, and every item
  // `tag` sent, in key order.
  void customers_of(uint16_t tag, const std::function<void(std::string_view)>& visit);
  void items_of(uint16_t tag,
                const std::function<void(std::string_view customer, std::string_view field,
                                         std::string_view item)>& visit);

  struct Stats {
    uint64_t file_bytes = 0;
    uint64_t used_bytes = 0;
    uint64_t customers = 0;
    uint64_t items = 0;
    // Totals since the store was created (LastSentBatch::count).
    uint64_t fields_sent = 0;
    uint64_t fields_skipped = 0;
  };
  Stats stats();

  const std::filesystem::path& directory() const { return store_.directory(); }

 private:
  // Removes from every customer the stamps `stamp` picks (a customer left with none goes)
  // and the items `item` picks (nullopt for one it cannot read), in commits of `batch`
  // keys; returns how many. For forget() and forget_values().
  uint64_t drop(const std::function<bool(const FieldStamp&)>& stamp,
                const std::function<bool(const std::optional<ItemStamp>&)>& item, size_t batch);
  // The stamps of a customer's value, in either form (last_sent_store.cpp). Its layout,
  // if not known yet, is read from `write`, or from the reader's snapshot when null.
  void decode_value(std::string_view bytes, KvStore::Write* write, std::vector<FieldStamp>& out);
  // The layout of `id`, as the reader (`write` null) or the write transactions know it,
  // else read as decode_value() says.
  const StampLayout& layout(uint32_t id, KvStore::Write* write);
  // The layouts as write transactions know them (`write` given), or as the reader does.
  StampLayouts& layouts_of(KvStore::Write* write) {
    return write != nullptr ? *write_layouts_ : *read_layouts_;
  }
  // Learns layout `id` into `layouts` from its entry's `bytes` (none: the store lacks it).
  const StampLayout& learn_layout(StampLayouts& layouts, uint32_t id,
                                  std::optional<std::string_view> bytes);
  [[noreturn]] void damaged(std::string_view what) const;

  KvStore store_;
  bool read_only_;
  std::string writer_key_;  // claim_writer()'s entry; empty: commits are not fenced
  std::string writer_;      // and the name it holds
  std::string workspace_;   // claim_workspace()'s; empty: commits are not fenced by it
  std::string scratch_;
  // The layouts customers' values name (state/stamp_layouts.h), as the reader learned them
  // from its snapshots, and as write transactions know them: with those of a Commit not
  // committed yet, which it takes back if rolled back. Each belongs to its side's thread.
  std::unique_ptr<StampLayouts> read_layouts_;
  std::unique_ptr<StampLayouts> write_layouts_;
};

// 128 random bits in hex: the names of a store (its owner file) and of its writer.
std::string random_name();

// A customer's key: its id, numbers packed in nine bytes; customer_of_key() undoes it.
std::string customer_key(std::string_view customer);
void customer_key(std::string_view customer, std::string& out);  // into a buffer kept
std::string customer_of_key(std::string_view key);

// "<customer key>\0<field>\0<item>": an item's key; the customer comes first so a
// customer's items are one key range.
std::string item_key(std::string_view customer, std::string_view field, std::string_view item);
// The same from the customer's key (customer_key()), into a buffer kept.
void item_key_at(std::string_view customer_key, std::string_view field, std::string_view item,
                 std::string& out);

}  // namespace cdc::state
