#include "state/last_sent_store.h"

// Inlined: the filter hashes every field of every call, mostly a few bytes, where the
// library's call costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <stdexcept>

#include "state/little_endian.h"
#include "state/stamp_layouts.h"

namespace cdc::state {
namespace {

enum Database : KvStore::Db { kCustomers, kItems, kTables };

// In kTables beside the table names, which never start with a NUL: the totals of fields
// sent and skipped, two u64.
constexpr std::string_view kCountsKey{"\0counts", 7};
// Also in kTables: "\0name" + tag (two bytes) + a flattened field name, valued "n".
constexpr std::string_view kNamePrefix{"\0name", 5};
// Also in kTables: "\0progress" + a name, valued a caller's progress (set_progress).
constexpr std::string_view kProgressPrefix{"\0progress", 9};
// Also in kTables: "\0layout" + an id in three bytes, big-endian, valued the layout's
// slots (StampLayouts::encode). Written with the first customer that has it, never changed
// or removed, so that a reader that meets an id finds its layout in any later snapshot.
constexpr std::string_view kLayoutPrefix{"\0layout", 7};

// The progress entries claim_writer() writes: "writer " and the instance lock.
constexpr std::string_view kWriterProgress = "writer ";
// The progress entry claim_workspace() writes.
constexpr std::string_view kWorkspaceProgress = "workspace";

std::string progress_key(std::string_view name) {
  return std::string(kProgressPrefix).append(name);
}

// A table name's entry in kTables, whose value is its tag; the other entries start with NUL.
bool is_table_entry(std::string_view key, std::string_view value) {
  return !key.empty() && key.front() != '\0' && value.size() == 2;
}

// Stamps and tags are stored little-endian (state/little_endian.h), packed.

// One stamp into kStampBytes bytes at `out`.
void encode_stamp(const FieldStamp& stamp, char* out) {
  store_le(out, stamp.name);
  store_le(out + 4, stamp.table);
  store_le(out + 6, stamp.value);
}

// Sized once and written in place: appending byte by byte was 6% of the filter's time.
void encode_stamps(std::span<const FieldStamp> stamps, std::string& out) {
  out.resize(stamps.size() * kStampBytes);
  char* p = out.data();
  for (const auto& stamp : stamps) {
    encode_stamp(stamp, p);
    p += kStampBytes;
  }
}

void decode_stamps(std::string_view bytes, std::vector<FieldStamp>& out) {
  out.clear();
  out.reserve(bytes.size() / kStampBytes);
  for (size_t at = 0; at + kStampBytes <= bytes.size(); at += kStampBytes) {
    const char* p = bytes.data() + at;
    out.push_back({get_le<uint32_t>(p), get_le<uint16_t>(p + 4), get_le<uint64_t>(p + 6)});
  }
}

std::string encode_item(ItemStamp stamp) {
  std::string out;
  put_le(out, stamp.table);
  put_le(out, stamp.value);
  return out;
}

std::optional<ItemStamp> decode_item(std::string_view bytes) {
  if (bytes.size() != 10) return std::nullopt;
  return ItemStamp{get_le<uint16_t>(bytes.data()), get_le<uint64_t>(bytes.data() + 2)};
}

// A stamp's slot as one number, in the order stamps are stored: by name, presence stamps
// (one per table) then by table. Equal for stamps of one slot.
uint64_t slot_of(const FieldStamp& stamp) {
  return (uint64_t{stamp.name} << 16) | (stamp.name == kPresenceName ? stamp.table : 0U);
}

bool slot_less(const FieldStamp& a, const FieldStamp& b) { return slot_of(a) < slot_of(b); }

// `current` with `changes` laid over it, sorted.
void merge(std::vector<FieldStamp>& current, std::span<const FieldStamp> changes) {
  for (const auto& change : changes) {
    auto at = std::lower_bound(current.begin(), current.end(), change, slot_less);
    if (at != current.end() && same_slot(at->name, at->table, change.name, change.table)) {
      *at = change;
    } else {
      current.insert(at, change);
    }
  }
}

// A customer's value comes in two forms, told apart by the parity of its length:
// - whole stamps, kStampBytes each (an even length): what stores written before layouts
//   hold until the customer's next update, a tombstone, and customers whose slots have no
//   layout (StampLayouts::fits, kMaxLayouts);
// - a layout's (state/stamp_layouts.h): the layout's id in kLayoutIdBytes, then the value
//   hash of each field slot of the layout, in its order, 8 bytes each (an odd length).
constexpr size_t kLayoutIdBytes = 3;
constexpr size_t kHashBytes = 8;

bool in_layout_form(std::string_view bytes) { return bytes.size() % 2 == 1; }

uint32_t layout_id(std::string_view bytes) {
  return get_le<uint16_t>(bytes.data()) | (uint32_t{static_cast<unsigned char>(bytes[2])} << 16);
}

void store_layout_id(char* out, uint32_t id) {
  store_le(out, static_cast<uint16_t>(id & 0xffff));
  out[2] = static_cast<char>(id >> 16);
}

size_t layout_value_size(const StampLayout& layout) {
  return kLayoutIdBytes + kHashBytes * layout.fields();
}

// The stamps of a value in `layout`'s form, whose size was checked.
void decode_in_layout(std::string_view bytes, const StampLayout& layout,
                      std::vector<FieldStamp>& out) {
  out.assign(layout.slots.begin(), layout.slots.end());
  const char* hashes = bytes.data() + kLayoutIdBytes;
  for (size_t i = layout.presences; i < out.size(); ++i) {
    out[i].value = get_le<uint64_t>(hashes + kHashBytes * (i - layout.presences));
  }
}

std::string layout_key(uint32_t id) {
  std::string key(kLayoutPrefix);
  for (int shift : {16, 8, 0}) key += static_cast<char>((id >> shift) & 0xff);
  return key;
}

// A new customer's stamps, sorted with one stamp per slot (the later of two wins). An
// insertion sort, stable and in place: a call has a handful of fields, and merge() into an
// empty vector cost a vector insert per stamp.
void sort_slots(std::vector<FieldStamp>& stamps) {
  for (size_t i = 1; i < stamps.size(); ++i) {
    const FieldStamp stamp = stamps[i];
    size_t at = i;
    for (; at > 0 && slot_less(stamp, stamps[at - 1]); --at) stamps[at] = stamps[at - 1];
    stamps[at] = stamp;
  }
  // Equal slots now stand together in their original order: keep the last of each run.
  size_t kept = 0;
  for (size_t i = 0; i < stamps.size(); ++i) {
    const bool superseded =
        i + 1 < stamps.size() &&
        same_slot(stamps[i].name, stamps[i].table, stamps[i + 1].name, stamps[i + 1].table);
    if (!superseded) stamps[kept++] = stamps[i];
  }
  stamps.resize(kept);
}

}  // namespace

// A customer's key in the store. Ids that are plain unsigned integers (most are) take
// nine bytes, a NUL then the number big-endian, so keys sort by number and pack densely
// (measured: 171 instead of 282 bytes per customer at 10M); other ids are their text,
// which never starts with a NUL (it is the inside of a JSON string).
void customer_key(std::string_view customer, std::string& out) {
  uint64_t number = 0;
  bool numeric = !customer.empty() && customer.size() <= 19 &&
                 (customer.size() == 1 || customer.front() != '0');
  for (size_t i = 0; numeric && i < customer.size(); ++i) {
    const unsigned digit = static_cast<unsigned>(static_cast<unsigned char>(customer[i])) - '0';
    numeric = digit <= 9;
    number = number * 10 + digit;
  }
  if (!numeric) {
    out.assign(customer);
    return;
  }
  if constexpr (std::endian::native == std::endian::little) number = __builtin_bswap64(number);
  out.resize(9);
  out[0] = '\0';
  std::memcpy(out.data() + 1, &number, sizeof number);
}

std::string random_name() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const uint32_t word = random();
    for (int shift = 28; shift >= 0; shift -= 4) name += kHex[(word >> shift) & 0xf];
  }
  return name;
}

std::string customer_key(std::string_view customer) {
  std::string key;
  customer_key(customer, key);
  return key;
}

std::string customer_of_key(std::string_view key) {
  if (key.size() != 9 || key.front() != '\0') return std::string(key);
  uint64_t number = 0;
  for (size_t i = 1; i < 9; ++i) number = (number << 8) | static_cast<unsigned char>(key[i]);
  return std::to_string(number);
}

namespace {

uint32_t name_of(uint64_t name_hash) {
  const auto hash = static_cast<uint32_t>(name_hash);
  return hash == kPresenceName ? 1 : hash;
}

}  // namespace

uint32_t field_name_hash(std::string_view name) {
  return name_of(XXH3_64bits(name.data(), name.size()));
}

uint64_t field_value_hash(std::string_view name, std::string_view json) {
  return field_hashes(name, json).value;
}

FieldHashes field_hashes(std::string_view name, std::string_view json) {
  return field_hashes_by_name_hash(XXH3_64bits(name.data(), name.size()), json);
}

FieldHashes field_hashes_by_name_hash(uint64_t name_xxh3, std::string_view json) {
  // The name's hash seeds the value's: one pass over each, no buffer, and "ab"+"c" is
  // not "a"+"bc".
  return {name_of(name_xxh3), XXH3_64bits_withSeed(json.data(), json.size(), name_xxh3)};
}

std::string item_key(std::string_view customer, std::string_view field, std::string_view item) {
  std::string key;
  item_key_at(customer_key(customer), field, item, key);
  return key;
}

void item_key_at(std::string_view customer_key, std::string_view field, std::string_view item,
                 std::string& out) {
  out.reserve(customer_key.size() + field.size() + item.size() + 2);
  out.assign(customer_key).append(1, '\0').append(field).append(1, '\0').append(item);
}

namespace {

// The customer's part of an item key: nine bytes for a numeric id, else up to the NUL.
size_t customer_part(std::string_view item_key) {
  if (!item_key.empty() && item_key.front() == '\0') return std::min<size_t>(9, item_key.size());
  return std::min(item_key.find('\0'), item_key.size());
}

}  // namespace

void LastSentBatch::upsert_customer(std::string_view customer, std::span<const FieldStamp> stamps) {
  const auto first = static_cast<uint32_t>(stamps_.size());
  stamps_.insert(stamps_.end(), stamps.begin(), stamps.end());
  ops_.push_back({Kind::kUpsertCustomer,
                  customer_key(customer),
                  first,
                  static_cast<uint32_t>(stamps.size()),
                  {}});
}

void LastSentBatch::delete_customer(std::string_view customer) {
  ops_.push_back({Kind::kDeleteCustomer, customer_key(customer), 0, 0, {}});
}

void LastSentBatch::upsert_item(std::string_view customer, std::string_view field,
                                std::string_view item, ItemStamp stamp) {
  ops_.push_back({Kind::kUpsertItem, item_key(customer, field, item), 0, 0, stamp});
}

void LastSentBatch::delete_item(std::string_view customer, std::string_view field,
                                std::string_view item) {
  ops_.push_back({Kind::kDeleteItem, item_key(customer, field, item), 0, 0, {}});
}

namespace {

std::string name_prefix(uint16_t tag) {
  std::string key(kNamePrefix);
  put_le(key, tag);
  return key;
}

}  // namespace

void LastSentBatch::add_flattened_name(uint16_t tag, std::string_view name) {
  ops_.push_back({Kind::kAddName, name_prefix(tag).append(name), 0, 0, {}});
}

void LastSentBatch::set_progress(std::string_view name, std::string_view value) {
  progress_.emplace_back(progress_key(name), value);
}

LastSentStore::LastSentStore(std::filesystem::path directory, bool read_only, size_t map_bytes)
    : store_(std::move(directory), {"customers", "items", "tables"}, read_only, map_bytes),
      read_only_(read_only),
      read_layouts_(std::make_unique<StampLayouts>()),
      write_layouts_(std::make_unique<StampLayouts>()) {}

LastSentStore::~LastSentStore() = default;

void LastSentStore::damaged(std::string_view what) const {
  throw std::runtime_error("the last-sent store in " + directory().string() +
                           " is damaged: " + std::string(what) +
                           " (`retainly-cdc forget` empties it; the next changes then send "
                           "every field)");
}

const StampLayout& LastSentStore::learn_layout(StampLayouts& layouts, uint32_t id,
                                               std::optional<std::string_view> bytes) {
  const std::string name = "layout " + std::to_string(id);
  if (!bytes) damaged("a customer names " + name + ", which it does not hold");
  std::vector<FieldStamp> slots;
  if (!StampLayouts::decode(*bytes, slots)) damaged(name + " is not a list of slots");
  layouts.add(id, slots);
  const StampLayout* layout = layouts.find(id);
  if (layout == nullptr) damaged(name + " is out of range");
  return *layout;
}

const StampLayout& LastSentStore::layout(uint32_t id, KvStore::Write* write) {
  StampLayouts& layouts = layouts_of(write);
  if (const StampLayout* known = layouts.find(id)) return *known;
  // Layouts are never changed or removed, so any snapshot or transaction that holds one
  // holds it as it was written.
  const std::string key = layout_key(id);
  return learn_layout(layouts, id,
                      write != nullptr ? write->get(kTables, key) : store_.get(kTables, key));
}

void LastSentStore::decode_value(std::string_view bytes, KvStore::Write* write,
                                 std::vector<FieldStamp>& out) {
  if (!in_layout_form(bytes)) {
    decode_stamps(bytes, out);
    return;
  }
  if (bytes.size() < kLayoutIdBytes) damaged("a customer's value is cut short");
  const uint32_t id = layout_id(bytes);
  const StampLayout* layout = layouts_of(write).find(id);
  std::string copy;
  if (layout == nullptr) {
    // Learning it reads, which may move the reader to a later snapshot, where `bytes` no
    // longer lie.
    copy.assign(bytes);
    bytes = copy;
    layout = &this->layout(id, write);
  }
  if (bytes.size() != layout_value_size(*layout)) {
    damaged("a customer's value does not fit its layout " + std::to_string(id));
  }
  decode_in_layout(bytes, *layout, out);
}

void LastSentStore::customer(std::string_view customer, std::vector<FieldStamp>& out) {
  customer_key(customer, scratch_);
  customer_at(scratch_, out);
}

void LastSentStore::customer_at(std::string_view key, std::vector<FieldStamp>& out) {
  const auto bytes = store_.get(kCustomers, key);
  if (!bytes) {
    out.clear();
    return;
  }
  decode_value(*bytes, nullptr, out);
}

bool LastSentStore::past_customers(std::string_view key) {
  return store_.past_end(kCustomers, key);
}

std::optional<ItemStamp> LastSentStore::item(std::string_view customer, std::string_view field,
                                             std::string_view item) {
  scratch_ = item_key(customer, field, item);
  return item_at(scratch_);
}

std::optional<ItemStamp> LastSentStore::item_at(std::string_view key) {
  const auto bytes = store_.get(kItems, key);
  return bytes ? decode_item(*bytes) : std::nullopt;
}

bool LastSentStore::has_items_of(std::string_view key) {
  std::string prefix(key);
  prefix += '\0';  // as item_key() separates the customer's key
  bool found = false;
  store_.scan(kItems, prefix, [&](std::string_view, std::string_view) {
    found = true;
    return false;
  });
  return found;
}

uint16_t LastSentStore::table_tag(std::string_view table) {
  if (auto known = store_.get(kTables, table); known && known->size() == 2) {
    return get_le<uint16_t>(known->data());
  }
  if (read_only_) return 0;
  auto write = store_.write();
  uint16_t highest = 0;
  write.rewrite(kTables, [&](std::string_view key, std::string_view value, std::string& out) {
    if (is_table_entry(key, value)) highest = std::max(highest, get_le<uint16_t>(value.data()));
    out = value;
  });
  if (highest == UINT16_MAX) {
    throw std::runtime_error("the last-sent store in " + directory().string() +
                             " has no table tag left for " + std::string(table));
  }
  std::string value;
  put_le(value, static_cast<uint16_t>(highest + 1));
  write.put(kTables, table, value);
  write.commit();
  return static_cast<uint16_t>(highest + 1);
}

std::string LastSentStore::table_name(uint16_t tag) {
  std::string name;
  store_.scan(kTables, {}, [&](std::string_view key, std::string_view value) {
    if (is_table_entry(key, value) && get_le<uint16_t>(value.data()) == tag) {
      name = key;
      return false;
    }
    return true;
  });
  return name;
}

std::unique_ptr<LastSentStore> LastSentStore::open_existing(
    const std::filesystem::path& directory) {
  if (!std::filesystem::exists(directory / "data.mdb")) return nullptr;
  try {
    return std::make_unique<LastSentStore>(directory, /*read_only=*/true);
  } catch (const KvStore::NotCreated&) {
    return nullptr;
  }
}

std::optional<std::string> LastSentStore::progress(std::string_view name) {
  const auto value = store_.get(kTables, progress_key(name));
  if (!value) return std::nullopt;
  return std::string(*value);
}

void LastSentStore::progress_entries(
    std::string_view prefix,
    const std::function<void(std::string_view name, std::string_view value)>& visit) {
  const std::string key_prefix = progress_key(prefix);
  store_.scan(kTables, key_prefix, [&](std::string_view key, std::string_view value) {
    visit(key.substr(kProgressPrefix.size()), value);
    return true;
  });
}

void LastSentStore::flattened_names(uint16_t tag,
                                    const std::function<void(std::string_view)>& visit) {
  const std::string prefix = name_prefix(tag);
  store_.scan(kTables, prefix, [&](std::string_view key, std::string_view) {
    visit(key.substr(prefix.size()));
    return true;
  });
}

void LastSentStore::apply(const LastSentBatch& batch) {
  if (batch.empty() || read_only_) return;
  Commit changes = commit();
  changes.apply(batch);
  changes.commit();
}

LastSentStore::Commit LastSentStore::commit() {
  if (read_only_) return Commit(*this, std::nullopt);
  KvStore::Write write = store_.write();
  if (!writer_key_.empty()) {
    const auto named = write.get(kTables, writer_key_);
    if (named != std::optional<std::string_view>(writer_)) {
      // Destroyed on the way out: the write transaction is rolled back.
      throw WriterReplaced(
          "the last-sent store in " + directory().string() +
          " was taken over by another instance (its writer is " +
          std::string(named.value_or("none")) + ", not " + writer_ +
          "): this one lost its lock meanwhile, and the other sends again the calls whose "
          "stamps this one had not committed yet");
    }
  }
  if (!workspace_.empty()) {
    const auto named = write.get(kTables, progress_key(kWorkspaceProgress));
    if (named != std::optional<std::string_view>(workspace_)) {
      throw WorkspaceReplaced(
          "the last-sent store in " + directory().string() +
          " now describes the calls of a connector that sends to another Retainly workspace "
          "(another connector was given the same last_sent_dir): its stamps are not what "
          "this connector's workspace holds. Give each connector a last_sent_dir of its own");
    }
  }
  return Commit(*this, std::move(write));
}

uint64_t LastSentStore::forget_progress(std::string_view prefix) {
  if (read_only_) return 0;
  Commit changes = commit();
  const uint64_t removed = changes.write_->erase_prefix(kTables, progress_key(prefix));
  changes.commit();
  return removed;
}

std::optional<std::string> LastSentStore::workspace() { return progress(kWorkspaceProgress); }

void LastSentStore::claim_workspace(std::string_view workspace) {
  if (read_only_) return;
  KvStore::Write write = store_.write();
  write.put(kTables, progress_key(kWorkspaceProgress), workspace);
  write.commit();
  workspace_ = workspace;
}

void LastSentStore::claim_writer(std::string_view instance) {
  if (read_only_) return;
  std::string key = progress_key(std::string(kWriterProgress).append(instance));
  std::string name = random_name();
  KvStore::Write write = store_.write();
  write.put(kTables, key, name);
  write.commit();
  writer_key_ = std::move(key);
  writer_ = std::move(name);
}

LastSentStore::Commit::~Commit() {
  // Rolled back (KvStore::Write's destructor): its layouts were never written.
  for (const uint32_t id : new_layouts_) store_->write_layouts_->remove(id);
}

uint32_t LastSentStore::Commit::layout_for(std::span<const FieldStamp> stamps) {
  if (!StampLayouts::fits(stamps)) return 0;
  StampLayouts& layouts = *store_->write_layouts_;
  if (const uint32_t known = layouts.find(stamps)) return known;
  // A new one, under the first id past those this store knows that no other process has
  // written since (their layouts are learned on the way).
  for (uint32_t id = layouts.next_id(); id <= StampLayouts::kMaxLayouts; ++id) {
    const std::string key = layout_key(id);
    if (const auto there = write_->get(kTables, key)) {
      store_->learn_layout(layouts, id, there);
      if (layouts.find(stamps) == id) return id;
      continue;
    }
    std::string bytes;
    StampLayouts::encode(stamps, bytes);
    write_->put(kTables, key, bytes);
    layouts.add(id, stamps);
    new_layouts_.push_back(id);
    return id;
  }
  return 0;  // every id taken: whole stamps
}

void LastSentStore::Commit::encode(std::span<const FieldStamp> stamps, std::string& out) {
  const uint32_t id = layout_for(stamps);
  if (id == 0) {
    encode_stamps(stamps, out);
    return;
  }
  const StampLayout& layout = *store_->write_layouts_->find(id);
  out.resize(layout_value_size(layout));
  store_layout_id(out.data(), id);
  char* hashes = out.data() + kLayoutIdBytes;
  for (size_t i = layout.presences; i < stamps.size(); ++i) {
    store_le(hashes + kHashBytes * (i - layout.presences), stamps[i].value);
  }
}

bool LastSentStore::Commit::patch(std::string_view bytes, std::span<const FieldStamp> changes,
                                  std::string& out) {
  if (!in_layout_form(bytes) || bytes.size() < kLayoutIdBytes) return false;
  const StampLayout& layout = store_->layout(layout_id(bytes), &*write_);
  if (bytes.size() != layout_value_size(layout)) return false;  // decode() says what is wrong
  out.assign(bytes);
  char* hashes = out.data() + kLayoutIdBytes;
  const auto& slots = layout.slots;
  for (const auto& change : changes) {
    // By hand: std::ranges::partition_point over an iota view took about 120 more
    // instructions an update (callgrind, the store's thread).
    const uint64_t slot = slot_of(change);
    size_t low = 0;
    size_t high = slots.size();
    while (low < high) {
      const size_t middle = (low + high) / 2;
      if (slot_of(slots[middle]) < slot) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    // A field another table sent now has another slot in the layouts.
    if (low == slots.size() || slot_of(slots[low]) != slot || slots[low].table != change.table) {
      return false;
    }
    if (low < layout.presences) {
      if (change.value != 0) return false;  // a presence stamp with a value: whole stamps
      continue;
    }
    store_le(hashes + kHashBytes * (low - layout.presences), change.value);
  }
  return true;
}

bool LastSentStore::Commit::SlotOrder::fit(std::span<const FieldStamp> stamps) {
  // By name and table, where a field's slot is its name alone: the layout learned with
  // the order holds the tables too. Sorted, these keys come in the order of the slots.
  const auto key = [](const FieldStamp& stamp) {
    return (uint64_t{stamp.name} << 16) | stamp.table;
  };
  const size_t count = stamps.size();
  if (count == size_) {
    size_t i = 0;
    while (i < count && keys_[i] == key(stamps[i])) ++i;
    if (i == count) return true;
  }
  size_ = 0;
  layout_known_ = false;
  if (count == 0 || count > kMaxOrdered) return false;
  std::array<uint8_t, kMaxOrdered> sorted;  // stamp indexes, by key
  for (size_t i = 0; i < count; ++i) {
    keys_[i] = key(stamps[i]);
    size_t at = i;
    for (; at > 0 && keys_[sorted[at - 1]] > keys_[i]; --at) sorted[at] = sorted[at - 1];
    sorted[at] = static_cast<uint8_t>(i);
  }
  for (size_t rank = 0; rank < count; ++rank) {
    const size_t i = sorted[rank];
    if (rank > 0 && slot_of(stamps[i]) == slot_of(stamps[sorted[rank - 1]])) return false;
    place_[i] = static_cast<uint8_t>(rank);
  }
  size_ = count;
  return true;
}

void LastSentStore::Commit::upsert_customer(std::string_view key,
                                            std::span<const FieldStamp> stamps) {
  if (!write_) return;
  // A new customer past the store's end (growing ids: inserts, backfills) is appended
  // without a search, its hashes written straight into the page in the order of its
  // layout, both learned once for the customers that follow with the same fields.
  // (The end first: an update's stamps, often a few changed fields, would only teach the
  // order something of no use.)
  if (write_->past_end(kCustomers, key) && order_.fit(stamps)) {
    if (!order_.layout_known()) {
      stamps_.resize(stamps.size());
      for (size_t i = 0; i < stamps.size(); ++i) {
        stamps_[order_.place(i)] = {stamps[i].name, stamps[i].table, 0};  // the slots
      }
      const uint32_t id = layout_for(stamps_);
      order_.set_layout(id == 0 ? nullptr : store_->write_layouts_->find(id));
    }
    const StampLayout* layout = order_.layout();
    if (layout != nullptr && std::all_of(stamps.begin(), stamps.end(), [](const FieldStamp& s) {
          return s.name != kPresenceName || s.value == 0;
        })) {
      char* out = write_->append_in_place(kCustomers, key, layout_value_size(*layout));
      store_layout_id(out, layout->id);
      char* hashes = out + kLayoutIdBytes;
      for (size_t i = 0; i < stamps.size(); ++i) {
        const size_t place = order_.place(i);
        if (place >= layout->presences) {
          store_le(hashes + kHashBytes * (place - layout->presences), stamps[i].value);
        }
      }
      return;
    }
  }
  // Otherwise one search of the tree for a customer already there, none for a new one.
  write_->update(
      kCustomers, key,
      [&](std::optional<std::string_view> current, std::string& out) {
        // Most updates change fields the customer has.
        if (current && patch(*current, stamps, out)) return;
        if (current) {
          store_->decode_value(*current, &*write_, stamps_);
          const bool re_created = stamps_.size() == 1 && stamps_.front() == kTombstone;
          if (re_created) stamps_.clear();
          merge(stamps_, stamps);
        } else {
          stamps_.assign(stamps.begin(), stamps.end());
          sort_slots(stamps_);
        }
        encode(stamps_, out);
      },
      bytes_);
}

void LastSentStore::Commit::delete_customer(std::string_view key) {
  if (!write_) return;
  encode_stamps(std::span(&kTombstone, 1), bytes_);
  write_->put(kCustomers, key, bytes_);
  drop_items_of(key);  // Retainly deletes a customer's arrays with it
}

uint64_t LastSentStore::Commit::drop_items_of(std::string_view key) {
  if (!write_) return 0;
  std::string prefix(key);
  prefix += '\0';
  return write_->erase_prefix(kItems, prefix);
}

uint64_t LastSentStore::Commit::drop_customer_stamps(
    std::string_view key, const std::function<bool(const FieldStamp&)>& stamp) {
  if (!write_) return 0;
  const auto value = write_->get(kCustomers, key);
  if (!value) return 0;
  const uint64_t removed = without(*value, stamp, bytes_);
  if (removed == 0) return 0;
  if (bytes_.empty()) {
    write_->erase(kCustomers, key);
  } else {
    write_->put(kCustomers, key, bytes_);
  }
  return removed;
}

uint64_t LastSentStore::Commit::without(std::string_view value,
                                        const std::function<bool(const FieldStamp&)>& stamp,
                                        std::string& out) {
  store_->decode_value(value, &*write_, stamps_);
  const auto kept = std::remove_if(stamps_.begin(), stamps_.end(), stamp);
  const auto removed = static_cast<uint64_t>(stamps_.end() - kept);
  stamps_.erase(kept, stamps_.end());
  out.clear();
  if (removed == 0) {
    out.assign(value);
  } else if (!stamps_.empty()) {
    // What is left may need a layout of its own, written beside (a walk's LMDB cursor
    // stays where it stands).
    encode(stamps_, out);
  }
  return removed;
}

void LastSentStore::Commit::upsert_item(std::string_view key, ItemStamp stamp) {
  if (write_) write_->put(kItems, key, encode_item(stamp));
}

bool LastSentStore::Commit::delete_item(std::string_view key) {
  return write_ && write_->erase(kItems, key);
}

void LastSentStore::Commit::apply(const LastSentBatch& batch) {
  if (!write_) return;
  if (batch.fields_sent_ != 0 || batch.fields_skipped_ != 0) {
    uint64_t sent = batch.fields_sent_;
    uint64_t skipped = batch.fields_skipped_;
    if (auto counts = write_->get(kTables, kCountsKey); counts && counts->size() == 16) {
      sent += get_le<uint64_t>(counts->data());
      skipped += get_le<uint64_t>(counts->data() + 8);
    }
    std::string bytes;
    put_le(bytes, sent);
    put_le(bytes, skipped);
    write_->put(kTables, kCountsKey, bytes);
  }
  for (const auto& op : batch.ops_) {
    switch (op.kind) {
      case LastSentBatch::Kind::kUpsertCustomer:
        upsert_customer(op.key, batch.stamps(op));
        break;
      case LastSentBatch::Kind::kDeleteCustomer:
        delete_customer(op.key);
        break;
      case LastSentBatch::Kind::kUpsertItem:
        upsert_item(op.key, op.item);
        break;
      case LastSentBatch::Kind::kDeleteItem:
        delete_item(op.key);
        break;
      case LastSentBatch::Kind::kAddName:
        write_->put(kTables, op.key, "n");
        break;
    }
  }
  for (const auto& [key, value] : batch.progress_) {
    if (value.empty()) {
      write_->erase(kTables, key);
    } else {
      write_->put(kTables, key, value);
    }
  }
}

void LastSentStore::Commit::commit() {
  if (!write_) return;
  write_->commit();
  new_layouts_.clear();  // written for good
}

void LastSentStore::sync() {
  if (!read_only_) store_.sync();
}

uint64_t LastSentStore::forget(std::string_view table, size_t batch) {
  if (read_only_) return 0;
  std::optional<uint16_t> tag;  // none: every table's
  if (!table.empty()) {
    const auto tag_bytes = store_.get(kTables, table);
    if (!tag_bytes || tag_bytes->size() != 2) return 0;
    tag = get_le<uint16_t>(tag_bytes->data());
  }
  return drop(
      [&](const FieldStamp& s) { return !tag || s.table == *tag; },
      [&](const std::optional<ItemStamp>& item) { return !tag || (item && item->table == *tag); },
      batch);
}

uint64_t LastSentStore::forget_values(size_t batch) {
  if (read_only_) return 0;
  return drop(
      holds_value, [](const std::optional<ItemStamp>&) { return true; }, batch);
}

uint64_t LastSentStore::drop(const std::function<bool(const FieldStamp&)>& stamp,
                             const std::function<bool(const std::optional<ItemStamp>&)>& item,
                             size_t batch) {
  uint64_t removed = 0;
  for (KvStore::Walk walk{.limit = batch}; !walk.done;) {
    Commit changes = commit();
    removed += changes.drop_stamps(stamp, walk);
    changes.commit();
  }
  for (KvStore::Walk walk{.limit = batch}; !walk.done;) {
    Commit changes = commit();
    removed += changes.write_->erase_if(
        kItems, [&](std::string_view, std::string_view value) { return item(decode_item(value)); },
        walk);
    changes.commit();
  }
  return removed;
}

uint64_t LastSentStore::Commit::drop_stamps(const std::function<bool(const FieldStamp&)>& stamp,
                                            KvStore::Walk& walk) {
  uint64_t removed = 0;
  KvStore::Write& write = *write_;
  write.rewrite(
      kCustomers,
      [&](std::string_view, std::string_view value, std::string& out) {
        removed += without(value, stamp, out);  // an empty `out`: the customer goes
      },
      walk);
  return removed;
}

void LastSentStore::customers_of(uint16_t tag, const std::function<void(std::string_view)>& visit) {
  std::vector<FieldStamp> stamps;
  store_.scan(kCustomers, {}, [&](std::string_view key, std::string_view value) {
    decode_value(value, nullptr, stamps);  // its layout read from the scan's snapshot
    // Presence stamps sort first (name 0), by table.
    for (const auto& stamp : stamps) {
      if (stamp.name != kPresenceName) break;
      if (stamp.table == tag) {
        visit(customer_of_key(key));
        break;
      }
    }
    return true;
  });
}

void LastSentStore::items_of(
    uint16_t tag,
    const std::function<void(std::string_view, std::string_view, std::string_view)>& visit) {
  store_.scan(kItems, {}, [&](std::string_view key, std::string_view value) {
    const auto item = decode_item(value);
    if (!item || item->table != tag) return true;
    const size_t first = customer_part(key);
    const size_t second = key.find('\0', first + 1);
    if (first >= key.size() || second == std::string_view::npos) return true;
    visit(customer_of_key(key.substr(0, first)), key.substr(first + 1, second - first - 1),
          key.substr(second + 1));
    return true;
  });
}

LastSentStore::Stats LastSentStore::stats() {
  const auto raw = store_.stats();
  Stats stats;
  stats.file_bytes = raw.file_bytes;
  stats.used_bytes = raw.used_bytes;
  stats.customers = raw.entries.at(kCustomers);
  stats.items = raw.entries.at(kItems);
  if (auto counts = store_.get(kTables, kCountsKey); counts && counts->size() == 16) {
    stats.fields_sent = get_le<uint64_t>(counts->data());
    stats.fields_skipped = get_le<uint64_t>(counts->data() + 8);
  }
  // As KvStore::stats() does: a snapshot left open while commits go on would keep LMDB
  // from reusing any page they free (cdc_last_sent_store_bench: a million random updates
  // then grew a store of 1M customers from 180 MB to 3.5 GB instead of 313 MB).
  store_.refresh();
  return stats;
}

}  // namespace cdc::state
