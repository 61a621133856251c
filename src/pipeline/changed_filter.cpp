#include "pipeline/changed_filter.h"

#include <xxhash.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ops/log.h"
#include "pipeline/backfill_checkpoint.h"
#include "retainly/lane.h"
#include "state/atomic_file.h"
#include "state/kv_store.h"

namespace cdc::pipeline {
namespace {

// The store's progress entry (LastSentStore::progress) holding the stream's position up
// to which it holds every call's values, as to_string(Position) writes it.
constexpr std::string_view kStreamPosition = "stream position";
// Its name in the owner file (ChangedFilter::set_owner_file): 128 random bits in hex.
constexpr std::string_view kStoreId = "store id";

using retainly::Call;
using retainly::CallKind;
using state::FieldStamp;
using state::same_slot;

// Member by member. A stamp built whole on the stack and then copied in (push_back of a
// braced stamp) made the copy's 16-byte load wait for the narrower stores that built it:
// a failed store-to-load forwarding, per field, and most of the time perf gave the loop.
void set_stamp(FieldStamp& stamp, uint32_t name, uint16_t table, uint64_t value) {
  stamp.name = name;
  stamp.table = table;
  stamp.value = value;
}

uint64_t hash_of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

// Starts loading the cache lines of the first `bytes` at `at`, for reading, or for
// writing (`kWrite`: the line is then fetched for this core alone).
enum Access { kRead = 0, kWrite = 1 };
template <Access kAccess = kRead>
void prefetch_lines(const void* at, size_t bytes) {
  constexpr uintptr_t kLine = 64;
  const auto first = reinterpret_cast<uintptr_t>(at) & ~(kLine - 1);
  const auto end = reinterpret_cast<uintptr_t>(at) + bytes;
  for (uintptr_t line = first; line < end; line += kLine) {
    __builtin_prefetch(reinterpret_cast<const void*>(line), kAccess);
  }
}

// The order of ascending_upserts_'s keys: any total order of bytes would do, and the
// store's is inline, where std::string's calls memcmp for a nine-byte key.
int key_order(std::string_view a, std::string_view b) { return state::compare_in_lmdb_order(a, b); }

// A stamp among the store's (sorted by name, then table), or nullptr.
const FieldStamp* find_stored(const std::vector<FieldStamp>& stored, uint32_t name,
                              uint16_t table) {
  auto at = std::lower_bound(stored.begin(), stored.end(), name,
                             [](const FieldStamp& s, uint32_t n) { return s.name < n; });
  for (; at != stored.end() && at->name == name; ++at) {
    if (same_slot(at->name, at->table, name, table)) return &*at;
  }
  return nullptr;
}

// The whole item's hash: Retainly replaces items whole, so one stamp covers them.
uint64_t item_hash(const std::vector<retainly::Attribute>& attributes) {
  uint64_t hash = 0;
  for (const auto& attribute : attributes) {
    const uint64_t field =
        state::field_hashes_by_name_hash(attribute.name.xxh3(), attribute.json).value;
    hash = XXH3_64bits_withSeed(&field, sizeof field, hash);
  }
  return hash;
}

}  // namespace

ChangedFilter::ChangedFilter(state::LastSentStore& store, ChangedFilterOptions options)
    : store_(store), options_(options) {}

ChangedFilter::Table ChangedFilter::table(std::string_view qualified_name, bool send_changed,
                                          const FlattenedFields& flattened) {
  auto it = tables_.find(std::string(qualified_name));
  if (it == tables_.end()) {
    it =
        tables_.emplace(std::string(qualified_name), Table{store_.table_tag(qualified_name)}).first;
  }
  Table& table = it->second;
  table.send_changed = send_changed;
  table.flattens = !flattened.prefixes.empty();
  if (table.flattens) {
    // Not a structured binding: clang 14 cannot capture one in the lambda.
    const auto emplaced = flattening_.try_emplace(table.tag);
    Flattening& flattening = emplaced.first->second;
    flattening.fields = flattened;
    if (emplaced.second) {
      store_.flattened_names(table.tag,
                             [&](std::string_view name) { flattening.names.emplace(name); });
    }
  }
  return table;
}

int ChangedFilter::Flattening::owner(std::string_view name) const {
  if (std::find(fields.plain.begin(), fields.plain.end(), name) != fields.plain.end()) return -1;
  int owner = -1;
  size_t longest = 0;
  for (size_t i = 0; i < fields.prefixes.size(); ++i) {
    const std::string& prefix = fields.prefixes[i];
    if (name.starts_with(prefix) && (owner < 0 || prefix.size() > longest)) {
      owner = static_cast<int>(i);
      longest = prefix.size();
    }
  }
  return owner;
}

void ChangedFilter::clear_lost_keys(Call& call, uint16_t tag, const KnownField& known) {
  Flattening& flattening = flattening_[tag];
  const size_t written = call.attributes.size();
  for (size_t i = 0; i < written; ++i) {
    const std::string& name = call.attributes[i].name;
    if (!flattening.names.contains(name) && flattening.owner(name) >= 0) {
      flattening.names.insert(name);
      batch_.add_flattened_name(tag, name);
    }
  }
  if (call.flattened == 0) return;
  for (const std::string& name : flattening.names) {
    const int owner = flattening.owner(name);
    if (owner < 0 || owner >= 16 || (call.flattened & (1U << owner)) == 0) continue;
    const auto end = call.attributes.begin() + static_cast<std::ptrdiff_t>(written);
    if (std::any_of(call.attributes.begin(), end, [&](const auto& a) { return a.name == name; })) {
      continue;
    }
    const auto held = known(state::field_name_hash(name));
    if (held && *held != state::field_value_hash(name, "null")) {
      call.attributes.push_back(retainly::Attribute{name, "null"});
    }
  }
  // The set's order is arbitrary; calls should not be.
  std::sort(call.attributes.begin() + static_cast<std::ptrdiff_t>(written), call.attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
}

bool ChangedFilter::prepare(Call& call, const Table& table, Skipped& skipped,
                            std::vector<std::string>* names) {
  skipped = {};
  staging_ = false;
  switch (call.kind) {
    case CallKind::kCustomerUpsert:
      return prepare_customer(call, table, skipped, names);
    case CallKind::kArrayUpsert:
      return prepare_item(call, table, skipped);
    case CallKind::kCustomerDelete: {
      const Op& op = stage(call);
      if (call.only_if_sent && !sent_by(op, table.tag)) {
        skipped.not_sent_by_table = skipped.whole_call = true;
        staging_ = false;
        return false;
      }
      return true;
    }
    case CallKind::kArrayDelete:
      stage(call).array->item_stamp.table = table.tag;
      return true;
    case CallKind::kEvent:
      return true;  // never skipped, and Retainly keeps no state of them we could compare
  }
  return true;
}

ChangedFilter::Op& ChangedFilter::stage(const Call& call) {
  Op& op = ops_.back();
  staging_ = true;
  op.kind = call.kind;
  op.sequence = 0;
  op.dead = false;
  state::customer_key(retainly::lane_view(call.customer_id), op.key);
  op.hashed = false;
  if (customers_.size() != 0) customers_.prefetch(op.hash());
  op.stamps.clear();
  if (call.kind == CallKind::kArrayUpsert || call.kind == CallKind::kArrayDelete) {
    if (op.array == nullptr) op.array = std::make_unique<Op::ArrayPart>();
    Op::ArrayPart& array = *op.array;
    array.item_stamp = {};
    array.field = call.field;
    array.item = call.item_id;
    state::item_key_at(op.key, array.field, array.item, array.item_key);
    array.item_hash = hash_of(array.item_key);
  }
  return op;
}

bool ChangedFilter::prepare_customer(Call& call, const Table& table, Skipped& skipped,
                                     std::vector<std::string>* names) {
  Op& op = stage(call);
  op.stamps.reserve(call.attributes.size() + 1);
  // The fields' hashes first: the customer's bucket, prefetched by stage(), arrives
  // meanwhile. Stamps [from, attributes) are written where grow() put them.
  auto hash_fields = [&](size_t from) {
    const size_t count = call.attributes.size() - from;
    state::FieldStamp* stamp = op.stamps.grow(count);
    const retainly::Attribute* attribute = call.attributes.data() + from;
    for (size_t i = 0; i < count; ++i, ++stamp, ++attribute) {
      const auto [name, value] =
          state::field_hashes_by_name_hash(attribute->name.xxh3(), attribute->json);
      set_stamp(*stamp, name, table.tag, value);
    }
  };
  hash_fields(0);

  // Looked up once: known() asks it for every field. A key past the last ascending
  // upsert's (a new customer in a stream of growing ids) is none of theirs: one
  // comparison, which submitted() then need not make again.
  const bool ascends =
      ascending_upserts_.empty() || key_order(op.key, ascending_upserts_.back().op->key) > 0;
  const PendingCustomer* customer =
      ascends && customers_.size() == 0 ? nullptr : pending_customer(op);
  staged_ascends_ = ascends && customer == nullptr;
  bool loaded = false;
  // A customer neither pending nor in the store (an insert, a first backfill: the common
  // case of a stream of new rows) has nothing to compare with, field after field.
  bool nothing_known = false;
  if (staged_ascends_ && store_.past_customers(op.key)) {
    nothing_known = true;  // past the store's last customer too: not read
  } else if (customer == nullptr) {
    load_stored(op.key);
    loaded = true;
    nothing_known = stored_.empty();
  }
  auto known = [&](uint32_t name, uint16_t tag) -> std::optional<uint64_t> {
    if (nothing_known) return std::nullopt;
    return known_field(customer, op.key, name, tag, loaded);
  };

  if (call.only_if_sent && !known(state::kPresenceName, table.tag).has_value()) {
    skipped.not_sent_by_table = skipped.whole_call = true;
    staging_ = false;
    return false;
  }
  if (call.follows_row_delete) {
    // Deleted by us, and neither an upsert nor an item since.
    if (deleted_by_us(customer, op.key, loaded) && !recreated_by_item(customer, op.key)) {
      skipped.customer_deleted = true;
      skipped.whole_call = true;
      staging_ = false;
      return false;
    }
  }

  if (table.flattens && !call.follows_row_delete) {
    clear_lost_keys(call, table.tag, [&](uint32_t name) { return known(name, table.tag); });
    hash_fields(op.stamps.size());  // the keys it added as null
  }

  if (nothing_known) {
    // Every field goes, and the customer with them: the loop below would compare each
    // field with nothing and keep it.
    fields_sent_ += call.attributes.size();
    set_stamp(op.stamps.emplace_back(), state::kPresenceName, table.tag, 0);
    return true;
  }
  size_t kept = 0;
  for (size_t i = 0; i < call.attributes.size(); ++i) {
    auto& attribute = call.attributes[i];
    const FieldStamp stamp = op.stamps[i];
    if (table.send_changed && known(stamp.name, table.tag) == stamp.value) {
      ++skipped.fields;
      if (names != nullptr) names->push_back(std::move(attribute.name));
      continue;
    }
    if (kept != i) {
      op.stamps[kept] = stamp;
      call.attributes[kept] = std::move(attribute);
    }
    ++kept;
  }
  call.attributes.resize(kept);
  op.stamps.resize(kept);
  fields_skipped_ += skipped.fields;
  fields_sent_ += kept;
  const bool present = known(state::kPresenceName, table.tag).has_value();
  if (table.send_changed && kept == 0 && present) {
    // Nothing Retainly lacks: no call, and nothing for the store to learn.
    skipped.whole_call = true;
    staging_ = false;
    return false;
  }
  set_stamp(op.stamps.emplace_back(), state::kPresenceName, table.tag, 0);
  return true;
}

bool ChangedFilter::deleted_by_us(const PendingCustomer* pending, std::string_view key,
                                  bool& loaded) {
  if (pending != nullptr && pending->deleted_at != 0) return !pending->has_fields();
  if (pending != nullptr && pending->has_fields()) return false;
  if (!loaded) {
    load_stored(key);
    loaded = true;
  }
  return stored_.size() == 1 && stored_.front() == state::kTombstone;
}

bool ChangedFilter::recreated_by_item(const PendingCustomer* pending, std::string_view key) {
  if (!item_upserts_.empty()) {
    const auto it = item_upserts_.find(hash_of(key));
    if (it != item_upserts_.end() && it->second.count != 0) return true;
  }
  // The delete dropped the customer's items from the store, so those there now came after
  // it; while the delete is pending, they are the ones it will drop.
  const bool delete_pending = pending != nullptr && pending->deleted_at != 0;
  return !delete_pending && store_.has_items_of(key);
}

bool ChangedFilter::prepare_item(const Call& call, const Table& table, Skipped& skipped) {
  Op& op = stage(call);
  Op::ArrayPart& array = *op.array;
  array.item_stamp = {table.tag, item_hash(call.attributes)};
  if (!table.send_changed) {
    fields_sent_ += call.attributes.size();
    return true;
  }

  const auto known = known_item(array.item_hash, op.key, array.item_key);
  if (known != array.item_stamp.value) {
    fields_sent_ += call.attributes.size();
    return true;
  }
  skipped.fields = call.attributes.size();
  fields_skipped_ += skipped.fields;
  skipped.whole_call = true;
  staging_ = false;
  return false;
}

std::optional<uint64_t> ChangedFilter::known_item(uint64_t item_hash, std::string_view key,
                                                  std::string_view item_key) {
  const PendingCustomer* customer = pending_customer(key);
  const uint64_t deleted_at = customer == nullptr ? 0 : customer->deleted_at;
  const auto pending = items_.find(item_hash);
  if (pending != items_.end() && pending->second.sequence > deleted_at) {
    if (pending->second.deleted) return std::nullopt;
    return pending->second.value;
  }
  if (deleted_at != 0) return std::nullopt;
  if (auto stored = store_.item_at(item_key)) return stored->value;
  return std::nullopt;
}

bool ChangedFilter::sent_by(const Op& op, uint16_t tag) {
  bool loaded = false;
  return known_field(pending_customer(op), op.key, state::kPresenceName, tag, loaded).has_value();
}

const ChangedFilter::PendingCustomer* ChangedFilter::pending_customer(std::string_view key) {
  if (customers_.size() != 0) {
    if (const PendingCustomer* customer = customers_.find(key).value) return customer;
  }
  return ascending_pending(key);
}

const ChangedFilter::PendingCustomer* ChangedFilter::pending_customer(const Op& op) {
  // The hash only when there is a table to look in.
  if (customers_.size() != 0) {
    if (const PendingCustomer* customer = customers_.find(op.key, op.hash()).value) {
      return customer;
    }
  }
  return ascending_pending(op.key);
}

const ChangedFilter::PendingCustomer* ChangedFilter::ascending_pending(std::string_view key) {
  const Op* upsert = ascending_upsert(key);
  if (upsert == nullptr) return nullptr;
  ascending_view_.only = upsert;
  return &ascending_view_;
}

const ChangedFilter::Op* ChangedFilter::ascending_upsert(std::string_view key) const {
  // A new customer's key is past the last: one comparison. An older customer's is before
  // the first.
  if (ascending_upserts_.empty() || key_order(key, ascending_upserts_.back().op->key) > 0 ||
      key_order(key, ascending_upserts_.front().op->key) < 0) {
    return nullptr;
  }
  const auto at = std::lower_bound(ascending_upserts_.begin(), ascending_upserts_.end(), key,
                                   [](const AscendingUpsert& upsert, std::string_view k) {
                                     return key_order(upsert.op->key, k) < 0;
                                   });
  return at != ascending_upserts_.end() && at->op->key == key ? at->op : nullptr;
}

ChangedFilter::PendingCustomer& ChangedFilter::pending_customer_added(const Op& op) {
  const auto entry = customers_.find_or_add(op.key, op.hash());
  PendingCustomer& customer = *entry.value;
  if (entry.inserted) {
    // A pooled value comes back as it was left: empty it, keeping the fields' capacity.
    customer.deleted_at = 0;
    customer.only = ascending_upsert(op.key);
    customer.fields.clear();
  }
  return customer;
}

std::optional<uint64_t> ChangedFilter::known_field(const PendingCustomer* pending,
                                                   std::string_view key, uint32_t name,
                                                   uint16_t tag, bool& loaded) {
  if (pending != nullptr) {
    if (pending->only != nullptr) {
      for (const auto& stamp : pending->only->stamps) {
        if (same_slot(stamp.name, stamp.table, name, tag)) return stamp.value;
      }
    }
    for (const auto& field : pending->fields) {
      if (same_slot(field.name, field.table, name, tag)) return field.value;
    }
    if (pending->deleted_at != 0) return std::nullopt;
  }
  if (!loaded) {
    load_stored(key);
    loaded = true;
  }
  const FieldStamp* stamp = find_stored(stored_, name, tag);
  return stamp ? std::optional<uint64_t>(stamp->value) : std::nullopt;
}

void ChangedFilter::load_stored(std::string_view key) {
  if (stored_valid_ && stored_key_ == key) return;
  store_.customer_at(key, stored_);
  // Kept for the next call only when there is something to keep: a customer the store
  // does not know (an insert, a first backfill) is not asked for again, and copying its
  // key was a third of this.
  stored_valid_ = !stored_.empty();
  if (stored_valid_) stored_key_.assign(key);
}

void ChangedFilter::known_different(CallKind kind, uint16_t tag, std::string_view customer_id,
                                    std::string_view field, std::string_view item_id,
                                    const std::vector<retainly::Attribute>& attributes,
                                    std::vector<retainly::Attribute>& out) {
  state::customer_key(retainly::lane_view(customer_id), lookup_key_);
  const PendingCustomer* customer = pending_customer(lookup_key_);
  bool loaded = false;
  if (kind == CallKind::kArrayUpsert) {
    state::item_key_at(lookup_key_, field, item_id, item_key_);
    const auto known = known_item(hash_of(item_key_), lookup_key_, item_key_);
    // Of a customer we deleted, Retainly deleted the items too.
    if (known ? *known != item_hash(attributes) : deleted_by_us(customer, lookup_key_, loaded)) {
      out.insert(out.end(), attributes.begin(), attributes.end());
    }
    return;
  }
  if (kind != CallKind::kCustomerUpsert) return;
  // With the table's presence stamp there, a field without a stamp was never acknowledged:
  // a field new in the mapping, or one whose only call was refused. Of a customer we
  // deleted, Retainly holds no field.
  const bool present =
      known_field(customer, lookup_key_, state::kPresenceName, tag, loaded).has_value() ||
      deleted_by_us(customer, lookup_key_, loaded);
  for (const auto& attribute : attributes) {
    const auto hashes = state::field_hashes_by_name_hash(attribute.name.xxh3(), attribute.json);
    const auto known = known_field(customer, lookup_key_, hashes.name, tag, loaded);
    if (known ? *known != hashes.value : present) {
      out.push_back(attribute);
    }
  }
}

bool ChangedFilter::knows_customer(std::string_view customer_id, uint16_t tag) {
  state::customer_key(retainly::lane_view(customer_id), lookup_key_);
  const PendingCustomer* customer = pending_customer(lookup_key_);
  bool loaded = false;
  // A customer we deleted is known too: Retainly holds none of its fields, which the old
  // image cannot tell.
  return known_field(customer, lookup_key_, state::kPresenceName, tag, loaded).has_value() ||
         deleted_by_us(customer, lookup_key_, loaded);
}

void ChangedFilter::submitted(uint64_t sequence) {
  if (!staging_) return;
  const uint64_t index = ops_.end();
  Op& op = ops_.back();
  op.sequence = sequence;
  bool filed = true;
  switch (op.kind) {
    case CallKind::kCustomerUpsert: {
      if (staged_ascends_) {
        ascending_upserts_.push_back({&op, index});
        filed = false;
        break;
      }
      auto& customer = pending_customer_added(op);
      if (!customer.has_fields()) {
        customer.only = &op;
        break;
      }
      if (customer.only != nullptr) {
        // A second upsert: the first's stamps are copied, to be replaced slot by slot. An
        // op's stamps name distinct slots (one per attribute, names being unique in a
        // call, then the presence stamp): nothing to replace among them.
        const Op& first = *customer.only;
        customer.fields.reserve(first.stamps.size() + op.stamps.size());
        for (const auto& stamp : first.stamps) {
          set_pending(customer.fields.emplace_back(), stamp, first.sequence);
        }
        customer.only = nullptr;
      }
      for (const auto& stamp : op.stamps) {
        auto it = std::find_if(customer.fields.begin(), customer.fields.end(),
                               [&](const PendingField& f) {
                                 return same_slot(f.name, f.table, stamp.name, stamp.table);
                               });
        set_pending(it == customer.fields.end() ? customer.fields.emplace_back() : *it, stamp,
                    sequence);
      }
      break;
    }
    case CallKind::kCustomerDelete: {
      auto& customer = pending_customer_added(op);
      customer.deleted_at = sequence;
      // Older than the delete: Retainly will not hold them.
      customer.only = nullptr;
      customer.fields.clear();
      if (!item_upserts_.empty()) {
        if (const auto it = item_upserts_.find(hash_of(op.key)); it != item_upserts_.end()) {
          it->second = {sequence, 0};  // the items before it re-create nothing after it
        }
      }
      break;
    }
    case CallKind::kArrayUpsert:
      items_[op.array->item_hash] = {op.array->item_stamp.value, op.array->item_stamp.table, false,
                                     sequence};
      ++item_upserts_[hash_of(op.key)].count;
      break;
    case CallKind::kArrayDelete:
      items_[op.array->item_hash] = {0, op.array->item_stamp.table, true, sequence};
      break;
    case CallKind::kEvent:
      break;
  }
  if (filed) filed_.push_back(index);
  ops_.push();
  sequences_.back() = sequence;
  sequences_.push();
  staging_ = false;
  // The next op's slot, for the next call: its lines were last read by the store's
  // thread, on the other core, and are fetched while the next change is mapped.
  prefetch_lines<kWrite>(&ops_.back(), sizeof(Op));
}

void ChangedFilter::set_pending(PendingField& field, const FieldStamp& stamp, uint64_t sequence) {
  // Member by member, as set_stamp().
  field.name = stamp.name;
  field.table = stamp.table;
  field.value = stamp.value;
  field.sequence = sequence;
}

void ChangedFilter::settled(uint64_t watermark, std::span<const uint64_t> dead_lettered) {
  dead_.insert(dead_lettered.begin(), dead_lettered.end());
  watermark_ = std::max(watermark_, watermark);
  while (settled_end_ != ops_.end() && sequences_[settled_end_] <= watermark_) {
    if (!dead_.empty() && dead_.erase(sequences_[settled_end_]) > 0) {
      // Retainly does not hold what it carried: the values before it count again. Those
      // of settled calls must be in the store before its pending marks go. It stays in
      // ops_ until a commit passes it, which writes nothing of it.
      if (committer_.running() || committing_end_ != settled_end_) {
        commit_and_wait(/*sync=*/false);
      }
      Op& op = ops_[settled_end_];
      forget_pending(op);
      op.dead = true;
    }
    ++settled_end_;
  }
  // Dead letters of calls that change nothing here (events) are done with.
  if (!dead_.empty()) std::erase_if(dead_, [&](uint64_t s) { return s <= watermark_; });
  commit_if_due();
}

bool ChangedFilter::has_work() const {
  return committing_end_ != settled_end_ || fields_sent_ != 0 || fields_skipped_ != 0 ||
         !batch_.empty() || unrecorded_end() ||
         std::any_of(progress_.begin(), progress_.end(), [&](const Progress& progress) {
           return progress.sequence <= settled_through();
         });
}

void ChangedFilter::save_progress(uint64_t sequence, std::string_view name,
                                  std::string_view value) {
  progress_.push_back({sequence, std::string(name), std::string(value)});
}

void ChangedFilter::commit_now() {
  commit_and_wait(/*sync=*/false);
  update_durable_through();
}

void ChangedFilter::commit_if_due(bool force) {
  collect_commit(/*wait=*/false);
  const size_t settled = static_cast<size_t>(settled_end_ - committing_end_);
  if (committer_.running() && settled >= options_.max_batch) {
    // The store falls behind the stream: wait for it rather than hold ever more calls
    // (each a few hundred bytes, with its pending marks).
    collect_commit(/*wait=*/true);
  }
  const bool unsynced = synced_through_ < committed_through_;
  if (force) {
    if (has_work() || unsynced || committer_.running()) commit_and_wait(/*sync=*/true);
  } else if (!committer_.running() && (has_work() || unsynced)) {
    const auto now = std::chrono::steady_clock::now();
    if (settled >= options_.max_batch || now - last_commit_ >= options_.commit_interval) {
      // Idle, the last commit waits for no next one to become durable: a sync alone.
      start_commit(/*apply=*/has_work(), /*sync=*/!has_work());
      last_commit_ = now;
    }
  }
  update_durable_through();
}

void ChangedFilter::update_durable_through() {
  // Up to the first settled call not yet committed, and not past the last commit until it
  // is durable.
  // (A dead-lettered op counts as one the commit takes: it holds offsets back only until
  // the next commit passes it.)
  const uint64_t first = ops_.begin() != committing_end_ ? ops_.begin() : committing_end_;
  durable_through_ = first == settled_end_ ? watermark_ : sequences_[first] - 1;
  if (synced_through_ < committed_through_) {
    durable_through_ = std::min(durable_through_, synced_through_);
  }
  // Nor past a transaction whose position no durable commit recorded.
  if (tracker_ != nullptr) {
    const auto& recorded = synced_through_ < committed_through_ ? synced_recorded_ : recorded_;
    // (An end at sequence 0 came before any call, and the pipeline acknowledges it
    // whatever this says: recorded by the next commit, or found missing by the next start,
    // which then forgets the values, a resend at worst.)
    if (const auto* end = tracker_->oldest_past(recorded);
        end != nullptr && end->last_sequence > 0) {
      durable_through_ = std::min(durable_through_, end->last_sequence - 1);
    }
  }
}

bool ChangedFilter::unrecorded_end() const {
  if (noted_ && !covers(recorded_, *noted_)) return true;
  if (tracker_ == nullptr) return false;
  const auto* end = tracker_->newest_through(settled_through());
  return end != nullptr && !covers(recorded_, end->position);
}

void ChangedFilter::start_commit(bool apply, bool sync) {
  committing_recorded_ = recorded_;
  if (apply) {
    batch_.count(std::exchange(fields_sent_, 0), std::exchange(fields_skipped_, 0));
    committing_through_ = settled_through();
    // The position of the newest transaction the commit completes, or the one noted
    // (note_position), whichever lies further.
    if (const auto* end =
            tracker_ != nullptr ? tracker_->newest_through(committing_through_) : nullptr;
        end != nullptr && !covers(committing_recorded_, end->position)) {
      committing_recorded_ = end->position;
    }
    if (noted_ && !covers(committing_recorded_, *noted_)) committing_recorded_ = noted_;
    noted_.reset();
    if (committing_recorded_ != recorded_) {
      batch_.set_progress(kStreamPosition, to_string(*committing_recorded_));
    }
    // Progress goes with the commit that takes every call it counts.
    std::erase_if(progress_, [&](const Progress& progress) {
      if (progress.sequence > committing_through_) return false;
      batch_.set_progress(progress.name, progress.value);
      return true;
    });
    // The settled ops become the commit's: none is running, and collecting the last one
    // took its ops out of ops_ (ops_.begin() == committing_end_).
    committing_end_ = settled_end_;
    ops_.view(ops_.begin(), committing_end_, committing_ops_);
    std::swap(committing_batch_, batch_);
  }
  committing_applies_ = apply;
  committing_syncs_ = sync;
  committer_.start([this, from = ops_.begin(), to = committing_end_] { write_commit(from, to); });
}

void ChangedFilter::write_commit(uint64_t from, uint64_t to) {
  if (committing_applies_) {
    state::LastSentStore::Commit commit = store_.commit();
    // An op comes from the pipeline's thread and was written there long ago: the store's
    // thread loads a few ahead.
    constexpr size_t kAhead = 4;
    for (uint64_t i = from; i < to; ++i) {
      if (i + kAhead < to) {
        const Op& ahead = committing_ops_[i + kAhead];
        prefetch_lines(&ahead, sizeof ahead);
      }
      const Op& op = committing_ops_[i];
      if (op.dead) continue;
      switch (op.kind) {
        case CallKind::kCustomerUpsert:
          commit.upsert_customer(op.key, op.stamps);
          break;
        case CallKind::kCustomerDelete:
          commit.delete_customer(op.key);
          break;
        case CallKind::kArrayUpsert:
          commit.upsert_item(op.array->item_key, op.array->item_stamp);
          break;
        case CallKind::kArrayDelete:
          commit.delete_item(op.array->item_key);
          break;
        case CallKind::kEvent:
          break;
      }
    }
    commit.apply(committing_batch_);
    commit.commit();
  }
  if (committing_syncs_) store_.sync();
}

void ChangedFilter::collect_commit(bool wait) {
  if (!committer_.running()) return;
  if (wait) {
    committer_.wait();
  } else if (!committer_.finished()) {
    return;
  }
  if (committing_applies_) {
    committing_batch_.clear();
    stored_valid_ = false;  // the store moved on
    // Readers see the commit now: the pending marks may go. Those in ascending_upserts_
    // leave from its front (and from customers_, where a later call for the customer may
    // have copied them); for each op filed in customers_ or items_, the bucket of the
    // customer a few ops ahead is fetched meanwhile.
    if (customers_.size() == 0) {
      // None of them has an entry to take out: they leave at once, the queue's front up
      // to the first not committed (their indexes ascend).
      const auto committed = std::partition_point(
          ascending_upserts_.begin(), ascending_upserts_.end(),
          [&](const AscendingUpsert& upsert) { return upsert.index < committing_end_; });
      ascending_upserts_.drop_front(static_cast<size_t>(committed - ascending_upserts_.begin()));
    } else {
      while (!ascending_upserts_.empty() && ascending_upserts_.front().index < committing_end_) {
        forget_pending(*ascending_upserts_.take_front().op);
      }
    }
    constexpr size_t kAhead = 8;
    while (!filed_.empty() && filed_.front() < committing_end_) {
      if (filed_.size() > kAhead && customers_.size() != 0) {
        const uint64_t ahead = *(filed_.begin() + kAhead);
        if (ahead < committing_end_) customers_.prefetch(ops_[ahead].hash());
      }
      const Op& op = ops_[filed_.take_front()];
      if (!op.dead) forget_pending(op);
    }
    ops_.pop_until(committing_end_);
    sequences_.pop_until(committing_end_);
    // MDB_NOMETASYNC: this commit's fsync made the previous one durable.
    synced_through_ = committed_through_;
    committed_through_ = committing_through_;
    synced_recorded_ = recorded_;
    recorded_ = committing_recorded_;
  }
  if (committing_syncs_) {
    synced_through_ = committed_through_;
    synced_recorded_ = recorded_;
  }
}

uint64_t ChangedFilter::settled_through() const {
  // settled() commits from inside its loop too (a dead letter): calls still ahead of it
  // are not in the commit.
  if (settled_end_ != ops_.end() && sequences_[settled_end_] <= watermark_) {
    return sequences_[settled_end_] - 1;
  }
  return watermark_;
}

void ChangedFilter::commit_and_wait(bool sync) {
  collect_commit(/*wait=*/true);
  const bool unsynced = synced_through_ < committed_through_;
  if (has_work() || (sync && unsynced)) {
    start_commit(/*apply=*/has_work(), sync);
    collect_commit(/*wait=*/true);
  }
}

std::optional<Position> ChangedFilter::stored_position() {
  const auto text = store_.progress(kStreamPosition);
  return text ? parse_position(*text) : std::nullopt;
}

std::optional<std::string> ChangedFilter::unseen_by_store(const std::optional<Position>& resumed) {
  if (!workspace_.empty()) {
    if (const auto held = store_.workspace(); held && *held != workspace_) {
      return std::string(
          "holds what another Retainly workspace was sent (the sink's url or key "
          "changed since)");
    }
  }
  if (resumed) {
    const auto stored = stored_position();
    if (!covers(stored, *resumed)) {
      return fmt::format("is complete up to {}, but the stream resumes after {}",
                         stored ? to_string(*stored) : std::string("(no position)"),
                         to_string(*resumed));
    }
  }
  if (owner_file_.empty()) return std::nullopt;
  const auto owner = read_owner();
  const auto id = store_name();
  if (!owner || owner == id) return std::nullopt;
  return fmt::format("is named {}, but {} names store {} as the last that streamed or backfilled",
                     id.value_or("(unnamed)"), owner_file_.string(), *owner);
}

uint64_t ChangedFilter::check_resume(const std::optional<Position>& resumed) {
  commit_and_wait(/*sync=*/false);  // nothing of this process's left pending
  store_.claim_writer(instance_);
  uint64_t forgotten = claim_workspace();
  if (!resumed && owner_file_.empty()) return forgotten;
  if (const auto why = unseen_by_store(resumed)) {
    forgotten += forget_unseen(*why);
    store_.sync();
  }
  if (resumed) {
    if (const auto stored = stored_position(); covers(stored, *resumed)) {
      recorded_ = synced_recorded_ = stored;
    } else {
      // Recorded at once: the store now holds nothing the stream before `resumed` sent.
      recorded_.reset();
      noted_ = resumed;
      commit_and_wait(/*sync=*/true);
      update_durable_through();
    }
  }
  if (owner_file_.empty()) return forgotten;
  // Only once what this store forgot is durable (synced above): a crash before leaves
  // the other store's name, and the next start forgets again.
  if (const std::string id = store_id(); read_owner() != id) {
    state::write_file_atomically(owner_file_, id + "\n");
  }
  return forgotten;
}

uint64_t ChangedFilter::claim_workspace() {
  if (workspace_.empty()) return 0;
  uint64_t forgotten = 0;
  if (const auto held = store_.workspace(); held && *held != workspace_) {
    // Everything: the values, and which tables created whom, which --mirror and
    // only-if-sent deletes would otherwise act on in a workspace where we created nobody.
    forgotten = store_.forget();
    // And where backfills stand: a `backfill --resume` would skip the rows the other
    // workspace was sent.
    forget_checkpoints(store_);
    stored_valid_ = false;
    log::warn(
        "the last-sent store in {} holds what another Retainly workspace was sent (the sink's "
        "url or key changed since): it forgot all {} entries, so this workspace gets every "
        "field of each customer with its next change, or of every row with a backfill",
        store_.directory().string(), forgotten);
  }
  // Named only once the forgetting is committed: a crash before leaves the other name,
  // and the next start forgets again.
  store_.claim_workspace(workspace_);
  store_.sync();
  return forgotten;
}

std::optional<std::string> read_owner_file(const std::filesystem::path& file) {
  auto owner = state::read_file(file);
  if (owner && !owner->empty() && owner->back() == '\n') owner->pop_back();
  return owner;
}

std::optional<std::string> ChangedFilter::read_owner() const {
  return read_owner_file(owner_file_);
}

uint64_t ChangedFilter::forget_unseen(const std::string& why) {
  const auto stats = store_.stats();
  if (stats.customers + stats.items == 0) return 0;
  const uint64_t forgotten = store_.forget_values();
  stored_valid_ = false;
  log::warn(
      "the last-sent store in {} {}: calls were sent that it never saw (by the other "
      "instance of a pair, or it is an older copy). It forgot the {} field values and items "
      "it held, so the next change of each customer sends every field (which tables created "
      "which customer is kept)",
      store_.directory().string(), why, forgotten);
  return forgotten;
}

std::optional<std::string> ChangedFilter::store_name() { return store_.progress(kStoreId); }

std::string ChangedFilter::store_id() {
  if (auto id = store_name()) return *id;
  std::string id = state::random_name();
  batch_.set_progress(kStoreId, id);
  commit_and_wait(/*sync=*/true);
  return id;
}

uint64_t ChangedFilter::forget_replayed(std::span<const Call> calls) {
  commit_and_wait(/*sync=*/false);  // nothing of this process's left pending
  uint64_t dropped = 0;
  std::string key;
  std::string item;
  std::vector<uint32_t> names;
  auto changes = store_.commit();
  for (const Call& call : calls) {
    state::customer_key(retainly::lane_view(call.customer_id), key);
    switch (call.kind) {
      case CallKind::kCustomerUpsert:
        names.clear();
        for (const auto& attribute : call.attributes) {
          names.push_back(state::field_name_hash(attribute.name));
        }
        dropped += changes.drop_customer_stamps(key, [&](const FieldStamp& s) {
          return s == state::kTombstone ||
                 std::find(names.begin(), names.end(), s.name) != names.end();
        });
        break;
      case CallKind::kCustomerDelete:
        dropped += changes.drop_customer_stamps(key, state::holds_value);
        dropped += changes.drop_items_of(key);
        break;
      case CallKind::kArrayUpsert:
        // It creates a customer Retainly lacks: one we deleted is there again.
        dropped += changes.drop_customer_stamps(
            key, [](const FieldStamp& s) { return s == state::kTombstone; });
        [[fallthrough]];
      case CallKind::kArrayDelete:
        state::item_key_at(key, call.field, call.item_id, item);
        dropped += changes.delete_item(item) ? 1 : 0;
        break;
      case CallKind::kEvent:
        break;
    }
  }
  changes.commit();
  store_.sync();
  stored_valid_ = false;
  return dropped;
}

void ChangedFilter::note_position(std::string_view acknowledged) {
  auto position = parse_position(acknowledged);
  if (!position) return;
  if (!covers(noted_ ? noted_ : recorded_, *position)) noted_ = std::move(position);
}

void ChangedFilter::record_stopped_at(std::string_view acknowledged) {
  note_position(acknowledged);
  commit_and_wait(/*sync=*/true);
  update_durable_through();
}

void ChangedFilter::pending_of(
    uint16_t tag, const std::function<void(std::string_view)>& customer,
    const std::function<void(std::string_view, std::string_view, std::string_view)>& item) {
  commit_if_due(/*force=*/true);  // what settled is then in the store's lists
  for (uint64_t i = settled_end_; i < ops_.end(); ++i) {
    const Op& op = ops_[i];
    if (op.kind == CallKind::kCustomerUpsert &&
        std::any_of(op.stamps.begin(), op.stamps.end(), [&](const FieldStamp& s) {
          return s.name == state::kPresenceName && s.table == tag;
        })) {
      customer(state::customer_of_key(op.key));
    } else if (op.kind == CallKind::kArrayUpsert && op.array->item_stamp.table == tag) {
      item(state::customer_of_key(op.key), op.array->field, op.array->item);
    }
  }
}

void ChangedFilter::forget_item_upsert(const Op& op) {
  const auto it = item_upserts_.find(hash_of(op.key));
  // Not counted: before a delete that reset the count (Retainly drops what it created).
  if (it == item_upserts_.end() || op.sequence < it->second.since) return;
  if (--it->second.count == 0) item_upserts_.erase(it);
}

void ChangedFilter::forget_pending(const Op& op) {
  switch (op.kind) {
    case CallKind::kCustomerUpsert:
    case CallKind::kCustomerDelete: {
      if (op.kind == CallKind::kCustomerDelete && !item_upserts_.empty()) {
        // The items before it are gone too: an entry it reset is done with if none came since.
        const auto it = item_upserts_.find(hash_of(op.key));
        if (it != item_upserts_.end() && it->second.count == 0) item_upserts_.erase(it);
      }
      // Calls leave in sequence order: one in ascending_upserts_ is its first.
      if (!ascending_upserts_.empty() && ascending_upserts_.front().op == &op) {
        ascending_upserts_.take_front();
      }
      if (customers_.size() == 0) return;
      const auto entry = customers_.find(op.key, op.hash());
      if (entry.value == nullptr) return;
      auto& customer = *entry.value;
      if (customer.deleted_at == op.sequence) customer.deleted_at = 0;
      if (customer.only == &op) {
        customer.only = nullptr;
      } else {
        std::erase_if(customer.fields,
                      [&](const PendingField& f) { return f.sequence == op.sequence; });
      }
      if (customer.deleted_at == 0 && !customer.has_fields()) customers_.erase(entry.slot);
      return;
    }
    case CallKind::kArrayUpsert:
    case CallKind::kArrayDelete: {
      auto it = items_.find(op.array->item_hash);
      if (it != items_.end() && it->second.sequence == op.sequence) items_.erase(it);
      if (op.kind == CallKind::kArrayUpsert) forget_item_upsert(op);
      return;
    }
    case CallKind::kEvent:
      return;
  }
}

}  // namespace cdc::pipeline
