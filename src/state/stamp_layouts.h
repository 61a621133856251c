// Layouts: the slots of a customer's stamps (field names, source tables), kept once.
//
// A mapping's calls name the same fields customer after customer, so a customer's stamps
// mostly repeat another's slots with other values. The last-sent store keeps each distinct
// sorted list of slots once, as a layout under a small id, and a customer's value as the
// layout's id and the fields' value hashes: 3 bytes and 8 a field, where whole stamps take
// 14 a field and 14 a source table (a presence stamp's value is always 0, so its layout
// says all there is to say of it).
//
// This is the in-memory side: which ids stand for which slots. Where layouts are kept and
// how a customer's value is written is last_sent_store.cpp's business.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/last_sent_store.h"

namespace cdc::state {

struct StampLayout {
  uint32_t id = 0;
  // Sorted by slot (as stored), values 0. Presence stamps (name 0) sort first.
  std::vector<FieldStamp> slots;
  size_t presences = 0;  // how many of `slots` are presence stamps
  size_t fields() const { return slots.size() - presences; }
};

class StampLayouts {
 public:
  // Ids run from 1 to kMaxLayouts. Customers whose slots would need more (flattened json
  // values with keys of their own, say) keep whole stamps: the bound keeps these tables
  // small (each one lives in memory twice, for the store's reads and for its writes).
  static constexpr uint32_t kMaxLayouts = 4096;
  static constexpr size_t kMaxSlots = 255;

  // Whether `stamps` (sorted by slot, one a slot) can have a layout: not too many, and
  // every presence stamp valued 0 (the layout keeps no presence value).
  static bool fits(std::span<const FieldStamp> stamps);

  // The layout of `id`, or nullptr if this table does not know it.
  const StampLayout* find(uint32_t id) const {
    return id >= 1 && id <= by_id_.size() ? by_id_[id - 1].get() : nullptr;
  }
  // The id of the layout whose slots are those of `stamps` (sorted by slot, one a slot;
  // values ignored), 0 if this table knows none.
  uint32_t find(std::span<const FieldStamp> stamps);
  // Learns that `id` stands for the slots of `stamps` (fits()).
  void add(uint32_t id, std::span<const FieldStamp> stamps);
  // Forgets `id` (a layout whose write was rolled back).
  void remove(uint32_t id);
  // One more than the highest id known: where a new layout's id is looked for.
  uint32_t next_id() const { return static_cast<uint32_t>(by_id_.size()) + 1; }

  // A layout's slots as stored: 6 bytes a slot (name, table), little-endian.
  static void encode(std::span<const FieldStamp> stamps, std::string& out);
  // The slots of encoded bytes; false if they are not a layout's.
  static bool decode(std::string_view bytes, std::vector<FieldStamp>& out);

 private:
  struct BytesHash {
    using is_transparent = void;
    size_t operator()(std::string_view bytes) const;
  };
  std::vector<std::unique_ptr<StampLayout>> by_id_;  // [id - 1]; null where unknown
  std::unordered_map<std::string, uint32_t, BytesHash, std::equal_to<>> by_slots_;
  std::string scratch_;  // find()'s encoded slots
};

}  // namespace cdc::state
