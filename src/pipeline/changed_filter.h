// Send only what changed, by memory: between the mapping and the sink, drops the customer
// fields and array items that Retainly already holds from us, and writes the last-sent
// store as the sink's watermark passes the calls that changed it.
//
// What "Retainly holds" means here: the value of the newest call handed to the sink for
// that field, if one is still pending (the sink keeps per-customer order, so it is what
// Retainly will hold), else the store's stamp, which only acknowledged calls write. So a
// field is skipped only when the last value that reached, or will reach, Retainly equals
// it. A dead-lettered call's values fall back to the store.
//
// The store moves with the watermark and is committed (fsync) before the pipeline may
// acknowledge source offsets past the calls it records: after any crash, the store never
// claims a value whose change would not be read again. Commits run on a thread of their
// own (one at a time); the calls a commit carries keep their pending marks until it is
// done, so what the filter reads of the store meanwhile, older snapshot or newer, never
// decides a field.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/background_job.h"
#include "core/fifo.h"
#include "core/inline_vector.h"
#include "core/lane_table.h"
#include "core/slot_ring.h"
#include "mapping/mapping_output.h"
#include "pipeline/commit_tracker.h"
#include "retainly/call.h"
#include "state/last_sent_store.h"

namespace cdc::pipeline {

struct ChangedFilterOptions {
  // A commit of the store costs an fsync: at most one per interval unless max_batch settled
  // calls wait. Offsets wait for the commit.
  std::chrono::milliseconds commit_interval{100};
  size_t max_batch = 20000;
};

// A table's flattened customer fields (`flatten:`): what the filter needs to send as null
// the keys a json value lost when the mapping could not see the old value
// (Call::flattened).
struct FlattenedFields {
  // Field i's names start with prefixes[i] ("addr_"); bit i of Call::flattened.
  std::vector<std::string> prefixes;
  // The table's other customer field names, never taken for flattened ones.
  std::vector<std::string> plain;
};

// The store name an owner file (ChangedFilter::set_owner_file) holds, if it exists.
std::optional<std::string> read_owner_file(const std::filesystem::path& file);

// Not thread-safe: the pipeline thread owns it (its commits run on a thread of its own).
class ChangedFilter {
 public:
  // `store` must outlive the filter.
  explicit ChangedFilter(state::LastSentStore& store, ChangedFilterOptions options = {});

  // How one source table's calls are filtered.
  struct Table {
    uint16_t tag = 0;          // in the store
    bool send_changed = true;  // false: `send: all`, the store is written but not consulted
    bool flattens = false;     // the table has flattened customer fields
  };
  Table table(std::string_view qualified_name, bool send_changed,
              const FlattenedFields& flattened = {});

  // What prepare() left out of one call.
  struct Skipped {
    size_t fields = 0;        // attributes dropped
    bool whole_call = false;  // nothing was left to send
    // An `on_delete: set` for a customer we deleted (and nothing re-created since): an
    // upsert would bring it back. The call is not sent.
    bool customer_deleted = false;
    // A removal marked only_if_sent for a customer this table never sent.
    bool not_sent_by_table = false;
  };

  // Before the call is handed to the sink: drops its attributes (customer upserts) or the
  // whole call (array upserts, customer upserts with nothing left) that Retainly holds from
  // us, upserts made by a row delete (`on_delete: set`) for a customer we deleted, and
  // removals marked only_if_sent for a customer the table never sent. Returns false when
  // the call should not be sent. Events and other deletes always pass.
  // When `names` is given, the dropped attribute names are appended to it.
  bool prepare(retainly::Call& call, const Table& table, Skipped& skipped,
               std::vector<std::string>* names = nullptr);
  // Of the attributes the mapping left out as unchanged in the change's old image (a
  // customer upsert's fields, or a whole array item), those Retainly does not hold from us
  // as far as the pending calls and the store know: an older value stands there because
  // the call that carried the newer one was dead-lettered, or, for a customer the store
  // knows table `tag` sent, a field never acknowledged (new in the mapping); every field
  // and item of a customer we deleted (Retainly deleted them with it). What the store knows
  // nothing of is trusted to the old image (a store younger than the data). Appended to
  // `out`; an item comes back whole or not at all.
  void known_different(retainly::CallKind kind, uint16_t tag, std::string_view customer_id,
                       std::string_view field, std::string_view item_id,
                       const std::vector<retainly::Attribute>& attributes,
                       std::vector<retainly::Attribute>& out);
  // Whether the pending calls or the store hold table `tag`'s presence stamp for the
  // customer `customer_id` (JSON text), or know we deleted it (it then holds no field):
  // then prepare() decides each of its fields alone,
  // and for the fields an old image shows unchanged it gives known_different()'s answer,
  // so the mapping need not map the old image. Loads the customer's stamps for prepare().
  bool knows_customer(std::string_view customer_id, uint16_t tag);

  // The call prepare() last passed was taken by the sink under `sequence`. Nothing else of
  // the filter's comes between the two: prepare() decided where the call's op is filed.
  void submitted(uint64_t sequence);
  // Fields left out before the filter saw the call (the mapping's old-image rule), for the
  // store's totals.
  void count_skipped_elsewhere(uint64_t fields) { fields_skipped_ += fields; }

  // The customers (by lane key) that calls still pending upserted with a presence stamp of
  // `tag`, and the items pending upserts of `tag` hold; what the store cannot list yet.
  // Commits the settled calls first, so that with the store's own lists nothing is missed.
  void pending_of(
      uint16_t tag, const std::function<void(std::string_view)>& customer,
      const std::function<void(std::string_view, std::string_view, std::string_view)>& item);

  state::LastSentStore::Stats store_stats() { return store_.stats(); }
  state::LastSentStore& store() { return store_; }

  // The sink's watermark moved to `watermark`; `dead_lettered` names calls that settled
  // without reaching Retainly (any order, any of them perhaps above the watermark).
  void settled(uint64_t watermark, std::span<const uint64_t> dead_lettered);
  // Starts a commit of the settled calls if the interval or the batch size says so and
  // none is running, and collects a finished one; `force`: commits every settled call and
  // waits until it is durable.
  void commit_if_due(bool force = false);
  // Every call up to this sequence that changes the store is committed in it; offsets may
  // be acknowledged up to here.
  uint64_t durable_through() const { return durable_through_; }

  // Keeps `value` under `name` in the store (LastSentStore::progress) with the first
  // commit that takes every call through `sequence`: a backfill's checkpoint, durable
  // exactly when the stamps of the calls it counts are, in one transaction. An empty
  // `value` removes the entry.
  void save_progress(uint64_t sequence, std::string_view name, std::string_view value);
  // Commits every settled call, and the progress it allows, and waits, without the sync
  // of a forced commit: the commit survives the process at once, and a system crash
  // undoes it whole (progress with stamps) until the next commit or sync.
  void commit_now();
  // Every call up to this sequence that changes the store, and progress saved up to it,
  // is in a commit (not necessarily durable yet: see durable_through()).
  uint64_t committed_through() const { return committed_through_; }

  // The stream's position, so that the store knows how far it is complete. With `tracker`
  // (the stream's transactions not yet acknowledged) set, each commit records the
  // position of the newest transaction whose calls it completes, and durable_through()
  // never passes a transaction whose position no durable commit recorded: the store's
  // position is never behind what the source was told. A backfill sets none.
  void set_commit_tracker(const CommitTracker* tracker) { tracker_ = tracker; }
  // At each start of the stream, `resumed` the position the source resumed after
  // (ChangeSource::resumed_after). If it lies past the store's position, calls were sent
  // that the store never saw: by the other instance of a pair (PostgreSQL: a slot both
  // move; MySQL: the position file in the state_dir both share), or the store is an older
  // copy. The store then forgets the values it holds (LastSentStore::forget_values),
  // whose next change sends every field, and takes `resumed` as its position. Returns the
  // stamps and items forgotten.
  //
  // With an owner file set (set_owner_file), the same check also reads it: it names the
  // store of the instance that streamed or backfilled last, written before that instance
  // sent anything. Another store's name there means that instance's calls are missing
  // here whatever the positions say (a pair sharing a state_dir, each with a store on its
  // own disk: last_sent_dir), and the store forgets the same way; then it writes its own.
  //
  // First of all it names this start the store's writer for its instance lock
  // (LastSentStore::claim_writer): a process that wrote the store before under the same
  // lock, and lost it to this one, has its next commit refused.
  uint64_t check_resume(const std::optional<Position>& resumed);
  // The instance lock this process streams or backfills under (InstanceLock::describe),
  // for check_resume()'s claim; empty (tests, tools): one name for all.
  void set_instance(std::string lock) { instance_ = std::move(lock); }
  void set_owner_file(std::filesystem::path path) { owner_file_ = std::move(path); }
  // The Retainly workspace the calls go to (pipeline::workspace_name), for check_resume():
  // a store that names another (a connector tried against a sandbox, then pointed at
  // production) forgets everything it holds, which tables created whom too, since that
  // workspace holds none of it; then it names this one, and its commits are refused
  // should another connector claim it for its workspace meanwhile
  // (LastSentStore::claim_workspace). A store that names none yet (written before
  // 2026-12-08) is trusted and named. Empty (tests, tools): not checked.
  void set_workspace(std::string workspace) { workspace_ = std::move(workspace); }
  // Why check_resume(resumed) would forget the store's values, or nullopt; changes
  // nothing, for commands that only read the store (warn_if_last_sent_stale).
  std::optional<std::string> unseen_by_store(const std::optional<Position>& resumed);
  // The source's acknowledged position (SourceStatus::acknowledged), which moves past the
  // last transaction while a PostgreSQL source idles: recorded as the store's with the
  // next commit, if it lies past it (the store holds every call before it, since a source
  // moves on idle only once every transaction it handed out is acknowledged).
  void note_position(std::string_view acknowledged);
  // The same as the stream stops: recorded and synced now, with every settled call.
  void record_stopped_at(std::string_view acknowledged);

  // Before `replay-dead-letters` resends `calls`, which Retainly refused once and the store
  // so never saw: forgets, in one synced commit, what they will change in Retainly (the
  // fields each customer upsert carries; the values and items of a customer a delete
  // removes; the item an array call names; the tombstone of a customer an upsert or an
  // item creates again), so that their next change sends them whatever value the store
  // held before. Presence stamps stay. Returns the stamps and items dropped. (last_sent.h,
  // forget_replayed().)
  uint64_t forget_replayed(std::span<const retainly::Call> calls);
  // The store's name, as the owner file names it (check_resume), if it has one yet.
  std::optional<std::string> store_name();

  size_t pending() const { return static_cast<size_t>(ops_.end() - settled_end_); }
  // Customers and items that pending calls still mark (none once every call is committed).
  size_t pending_marks() const { return customers_.size() + items_.size(); }

 private:
  // About the customers one commit batch settles (max_batch's default); see customers_.
  static constexpr size_t kPendingCustomersPooled = 20000;
  // An op's stamps held inside it (Op::stamps): 128 bytes.
  static constexpr size_t kStampsInside = 8;

  struct PendingField {
    uint32_t name;
    uint16_t table;
    uint64_t value;
    uint64_t sequence;
  };
  // `field` becomes `stamp`, pending from the call `sequence` (member by member: see
  // set_stamp() in the .cpp).
  static void set_pending(PendingField& field, const state::FieldStamp& stamp, uint64_t sequence);
  struct Op;
  // What the calls handed to the sink and not yet in the store will make Retainly hold,
  // per customer. Most customers have one upsert pending (a stream of inserts): its op's
  // stamps are read where they lie. A second one copies them into `fields`, which then
  // holds the newest value of each slot. (Chaining every pending op instead made a
  // customer with many pending calls quadratic.)
  struct PendingCustomer {
    uint64_t deleted_at = 0;   // a pending delete's sequence; 0: none
    const Op* only = nullptr;  // the one upsert pending, its stamps not copied
    std::vector<PendingField> fields;
    bool has_fields() const { return only != nullptr || !fields.empty(); }
  };
  struct PendingItem {
    uint64_t value = 0;
    uint16_t table = 0;
    bool deleted = false;
    uint64_t sequence = 0;
  };
  // One call that changes the store, from prepare() until its commit (a slot of ops_).
  //
  // Tens of thousands of ops are in flight, so every line an op takes is a line out of
  // the cache for the mapping and the sink: a customer call's op, its stamps inside for
  // up to seven fields, is 224 bytes, and what only array calls use lies elsewhere.
  struct Op {
    retainly::CallKind kind;
    // Dead-lettered: its pending marks are gone, and no commit writes it.
    bool dead = false;
    // The key's LaneTable::hash, taken when first asked for (hash()): most calls (see
    // ascending_upserts_) never go into customers_.
    mutable bool hashed = false;
    mutable uint32_t lane_hash = 0;
    uint64_t sequence = 0;
    // The customer: its key in the store (state::customer_key of its lane key), which
    // also files it in customers_, under hash() (LaneTable::hash).
    std::string key;
    uint32_t hash() const {
      if (!hashed) {
        lane_hash = LaneTable<PendingCustomer>::hash(key);
        hashed = true;
      }
      return lane_hash;
    }
    // A customer upsert's fields and its presence stamp, inside the op for most mappings
    // (fewer than kStampsInside fields): the op and its stamps then take three adjacent
    // cache lines instead of two here and two elsewhere.
    InlineVector<state::FieldStamp, kStampsInside> stamps;
    // Array calls only: stage() sets it for those, and it stays with the slot for the
    // next array call to use.
    struct ArrayPart {
      uint64_t item_hash = 0;
      state::ItemStamp item_stamp;
      std::string field;
      std::string item;
      std::string item_key;  // the item's key in the store, hashed in item_hash
    };
    std::unique_ptr<ArrayPart> array;
  };

  // A table's flattened fields and every name they have produced (kept in the store).
  struct Flattening {
    FlattenedFields fields;
    std::unordered_set<std::string> names;
    // The field that produced `name` (the longest prefix it starts with), or -1.
    int owner(std::string_view name) const;
  };
  using KnownField = std::function<std::optional<uint64_t>(uint32_t name)>;
  // Learns the flattened names `call` carries (into the store with the next commit), and
  // for the fields Call::flattened marks adds as null the names they sent before that the
  // customer still holds with a value and the call lacks.
  void clear_lost_keys(retainly::Call& call, uint16_t tag, const KnownField& known);

  // Starts the op at ops_.back() for `call`: its kind, customer and (array calls) item.
  Op& stage(const retainly::Call& call);
  bool prepare_customer(retainly::Call& call, const Table& table, Skipped& skipped,
                        std::vector<std::string>* names);
  bool prepare_item(const retainly::Call& call, const Table& table, Skipped& skipped);
  // What Retainly holds (or will, once the pending calls land) for one field, if known:
  // the newest pending value, else (unless a delete is pending) the store's (the customer
  // with store key `key`). `loaded` says stored_ holds the customer's stamps already.
  std::optional<uint64_t> known_field(const PendingCustomer* pending, std::string_view key,
                                      uint32_t name, uint16_t tag, bool& loaded);
  // Whether the pending calls or the store hold the presence stamp of table `tag` for
  // `op`'s customer: that table sent it, and no delete since.
  bool sent_by(const Op& op, uint16_t tag);
  // The customer's pending values (by its key in the store), or nullptr: its entry in
  // customers_, else its upsert in ascending_upserts_ (as ascending_view_).
  const PendingCustomer* pending_customer(std::string_view key);
  const PendingCustomer* pending_customer(const Op& op);  // the key's hash kept in the op
  // pending_customer()'s answer from ascending_upserts_.
  const PendingCustomer* ascending_pending(std::string_view key);
  // The pending upsert in ascending_upserts_ with store key `key`, or nullptr.
  const Op* ascending_upsert(std::string_view key) const;
  // The customer's entry in customers_, added if it has none: empty, or holding its
  // upsert in ascending_upserts_, which the entry then stands for.
  PendingCustomer& pending_customer_added(const Op& op);
  // What Retainly holds for an item, if known: the item with store key `item_key` (hash
  // `item_hash`) of the customer with store key `key`.
  std::optional<uint64_t> known_item(uint64_t item_hash, std::string_view key,
                                     std::string_view item_key);
  // Removes what `op` put into the pending maps, unless a later call replaced it.
  void forget_pending(const Op& op);
  // Starts committing the settled calls, the names learned and the counts (`apply`), then
  // syncing (`sync`), on committer_'s thread; none may be running. The settled ops become
  // the committing ones and the batch committing_batch_, both the job's until collected.
  void start_commit(bool apply, bool sync);
  // Collects the running commit, waiting for it if `wait`, and lets the pending marks of
  // the calls it carried go. Nothing to do while it still runs (and `wait` is false).
  void collect_commit(bool wait);
  // Commits every settled call now and waits: what the store holds is then final for them.
  void commit_and_wait(bool sync);
  // The committer's job: writes the ops [from, to) (committing_ops_) and committing_batch_
  // in one commit, then syncs, as committing_applies_ and committing_syncs_ say.
  void write_commit(uint64_t from, uint64_t to);
  // Settled calls, names learned, counts or progress wait for a commit.
  bool has_work() const;
  // Offsets may pass calls durable in the store, or that change nothing in it.
  void update_durable_through();
  // The sequence through which every settled call has left pending_.
  uint64_t settled_through() const;

  state::LastSentStore& store_;
  const ChangedFilterOptions options_;
  std::unordered_map<std::string, Table> tables_;
  std::unordered_map<uint16_t, Flattening> flattening_;  // by table tag

  // By customer key. Its pool keeps the values (and their fields' capacity) of as many
  // customers as a full commit batch settles, so a steady stream allocates no new ones.
  LaneTable<PendingCustomer> customers_{kPendingCustomersPooled};
  // Pending customer upserts kept out of customers_: each the only call pending for its
  // customer when handed over, with a key above every key before it here. Rows inserted
  // with growing ids, and a backfill read in key order, make nearly every call one: it is
  // then found by comparing its key with the last one (or a binary search, the keys being
  // sorted) instead of being added to the hash table and removed again, which was a
  // quarter of the filter's time a call. In sequence order, so they leave from the front.
  // A later call for the same customer adds its entry to customers_, which then stands
  // for it (the entry is looked up first).
  struct AscendingUpsert {
    const Op* op;
    uint64_t index;  // in ops_
  };
  Fifo<AscendingUpsert> ascending_upserts_;
  PendingCustomer ascending_view_;  // pending_customer()'s answer for one of them
  std::unordered_map<uint64_t, PendingItem> items_;
  // Per customer (hash_of its key), the item upserts pending since its last pending delete
  // (`since`, that delete's sequence): POST /arrays creates a missing customer, so once one
  // lands Retainly holds the customer again, whatever our delete or tombstone says.
  struct PendingItemUpserts {
    uint64_t since = 0;
    uint32_t count = 0;
  };
  std::unordered_map<uint64_t, PendingItemUpserts> item_upserts_;
  // Every op, in sequence order, from the call handed to the sink until the commit that
  // carries it is collected: [ops_.begin(), committing_end_) the running commit's (still
  // pending marks), [committing_end_, settled_end_) settled and acknowledged, waiting for
  // a commit, [settled_end_, ops_.end()) handed to the sink. ops_.back() is the op
  // prepare() stages, while staging_. Slots keep their strings' and stamps' capacity as
  // they come round again: a steady stream of calls allocates nothing here, and each
  // step walks the ops in the order they lie in memory (they were a cache miss each when
  // they were objects of their own, passed from queue to queue by pointer).
  SlotRing<Op> ops_;
  // The sequence of each op in ops_, at the same index: what settling compares with the
  // watermark, eight to a cache line instead of one op each.
  SlotRing<uint64_t, 1024> sequences_;
  // The ops (by index in ops_) whose pending marks are in customers_ or items_, which
  // forget_pending() must take out when their commit is collected. The others, most ops
  // (new customers in key order), are only in ascending_upserts_, which they leave from
  // its front: collecting a commit then touches none of them.
  Fifo<uint64_t> filed_;
  uint64_t committing_end_ = 0;
  uint64_t settled_end_ = 0;
  bool staging_ = false;
  // The staged customer upsert is pending nowhere and its key is past every ascending
  // upsert's: submitted() queues it there. prepare_customer() knows it from its own
  // lookups, and nothing is queued between the two.
  bool staged_ascends_ = false;
  state::LastSentBatch batch_;  // the names learned and the counts since the last commit
  // save_progress()'s entries not yet in a commit, in the order saved.
  struct Progress {
    uint64_t sequence;
    std::string name;
    std::string value;
  };
  std::vector<Progress> progress_;
  // The running commit: its ops as its thread sees them (ops_ grows meanwhile), its
  // batch, the sequence through which it takes every settled call, and what it does.
  SlotRing<Op>::View committing_ops_;
  state::LastSentBatch committing_batch_;
  uint64_t committing_through_ = 0;
  bool committing_applies_ = false;
  bool committing_syncs_ = false;
  // Calls up to these sequences are in the last commit, and in a durable one.
  uint64_t committed_through_ = 0;
  uint64_t synced_through_ = 0;
  std::unordered_set<uint64_t> dead_;
  uint64_t watermark_ = 0;
  uint64_t durable_through_ = 0;
  uint64_t fields_sent_ = 0;  // since the last commit
  uint64_t fields_skipped_ = 0;
  // An idle filter commits the first settled call at once, then at most once an interval.
  std::chrono::steady_clock::time_point last_commit_;

  // Loads stored_ with the store's stamps of the customer with store key `key`, unless it
  // holds them already: an update with an old image asks for the same customer twice in a
  // row (known_different, then prepare).
  void load_stored(std::string_view key);
  std::vector<state::FieldStamp> stored_;  // the store's stamps of customer stored_key_
  std::string stored_key_;
  bool stored_valid_ = false;  // stored_ is stored_key_'s as of the last commit
  std::string lookup_key_;     // known_different()'s and knows_customer()'s customer key
  std::string item_key_;       // known_different()'s item key

  // The stream's pending transactions (set_commit_tracker), and the positions the last
  // collected commit, the running one and the last durable one recorded.
  const CommitTracker* tracker_ = nullptr;
  std::optional<Position> recorded_;
  std::optional<Position> committing_recorded_;
  std::optional<Position> synced_recorded_;
  std::optional<Position> noted_;  // note_position()'s, for the next commit
  // Whether `recorded` lies at or past `position`. Positions of two kinds of source have
  // no order: the state_dir served another source, and nothing is covered.
  static bool covers(const std::optional<Position>& recorded, const Position& position) {
    return recorded && recorded->index() == position.index() && !(*recorded < position);
  }
  // A transaction ended at or below the watermark that no commit recorded yet.
  bool unrecorded_end() const;
  // The store's position (LastSentStore::progress), if it has a readable one.
  std::optional<Position> stored_position();
  // The store's name for the owner file (a random one, made and committed at first use).
  std::string store_id();
  // The owner file's store name, if there is one.
  std::optional<std::string> read_owner() const;
  // Whether Retainly holds nothing of the customer of store key `key` because we deleted
  // it: its delete is pending with no upsert after it, or the store holds only its
  // tombstone. `pending` is pending_customer(key).
  bool deleted_by_us(const PendingCustomer* pending, std::string_view key, bool& loaded);
  // Whether an item upsert after our delete of that customer is pending or in the store:
  // Retainly then holds the customer again (with only its arrays).
  bool recreated_by_item(const PendingCustomer* pending, std::string_view key);
  // An item upsert committed or dead-lettered: no longer pending in item_upserts_.
  void forget_item_upsert(const Op& op);
  // check_resume()'s first step: forgets the whole store if it names another workspace
  // than workspace_, then claims it for workspace_. Returns the entries forgotten.
  uint64_t claim_workspace();
  // check_resume()'s forgetting, logged with `why` the store misses calls.
  uint64_t forget_unseen(const std::string& why);
  std::filesystem::path owner_file_;
  std::string instance_;   // set_instance()'s
  std::string workspace_;  // set_workspace()'s

  // Last: destroyed first, it waits for a running commit, which uses the members above.
  BackgroundJob committer_{"cdc-store"};
};

// The filter as the mapping asks it whether the store knows a customer, for one table
// (`tag`, set before each change).
struct FilterKnownCustomers final : mapping::KnownCustomers {
  ChangedFilter* filter = nullptr;
  uint16_t tag = 0;
  bool knows(std::string_view customer_id) override {
    return filter->knows_customer(customer_id, tag);
  }
};

}  // namespace cdc::pipeline
