#include "state/stamp_layouts.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "state/little_endian.h"

namespace cdc::state {
namespace {

constexpr size_t kSlotBytes = 6;

}  // namespace

size_t StampLayouts::BytesHash::operator()(std::string_view bytes) const {
  return static_cast<size_t>(XXH3_64bits(bytes.data(), bytes.size()));
}

bool StampLayouts::fits(std::span<const FieldStamp> stamps) {
  if (stamps.empty() || stamps.size() > kMaxSlots) return false;
  for (const auto& stamp : stamps) {
    if (stamp.name != kPresenceName) return true;  // presence stamps come first
    if (stamp.value != 0) return false;
  }
  return true;
}

void StampLayouts::encode(std::span<const FieldStamp> stamps, std::string& out) {
  out.resize(stamps.size() * kSlotBytes);
  char* p = out.data();
  for (const auto& stamp : stamps) {
    store_le(p, stamp.name);
    store_le(p + 4, stamp.table);
    p += kSlotBytes;
  }
}

bool StampLayouts::decode(std::string_view bytes, std::vector<FieldStamp>& out) {
  out.clear();
  if (bytes.empty() || bytes.size() % kSlotBytes != 0) return false;
  for (size_t at = 0; at < bytes.size(); at += kSlotBytes) {
    out.push_back(
        {get_le<uint32_t>(bytes.data() + at), get_le<uint16_t>(bytes.data() + at + 4), 0});
  }
  return fits(out);
}

uint32_t StampLayouts::find(std::span<const FieldStamp> stamps) {
  encode(stamps, scratch_);
  const auto known = by_slots_.find(std::string_view(scratch_));
  return known == by_slots_.end() ? 0 : known->second;
}

void StampLayouts::add(uint32_t id, std::span<const FieldStamp> stamps) {
  if (id == 0 || id > kMaxLayouts) return;
  if (by_id_.size() < id) by_id_.resize(id);
  auto layout = std::make_unique<StampLayout>();
  layout->id = id;
  for (const auto& stamp : stamps) {
    layout->slots.push_back({stamp.name, stamp.table, 0});
    layout->presences += stamp.name == kPresenceName;
  }
  encode(stamps, scratch_);
  // Two ids may stand for the same slots (two writers learned them at once): find() gives
  // either, and both read back the same.
  by_slots_.try_emplace(scratch_, id);
  by_id_[id - 1] = std::move(layout);
}

void StampLayouts::remove(uint32_t id) {
  const StampLayout* layout = find(id);
  if (layout == nullptr) return;
  encode(layout->slots, scratch_);
  if (auto known = by_slots_.find(std::string_view(scratch_));
      known != by_slots_.end() && known->second == id) {
    by_slots_.erase(known);
  }
  by_id_[id - 1].reset();
  while (!by_id_.empty() && by_id_.back() == nullptr) by_id_.pop_back();
}

}  // namespace cdc::state
