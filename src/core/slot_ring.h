// A queue of reusable slots numbered by a growing index, in chunks that never move: a slot
// stays where it is from the moment it is handed out until the queue's front passes it,
// and a chunk the front has passed serves again at the back with the values its slots
// were left holding (their strings' capacity), so a steady flow allocates nothing.
//
// Why not a queue of pointers to objects allocated one by one: slots used in index order
// lie one after the other in memory, so walking them (writing them as they are handed
// out, reading them again as they leave) is a stream the hardware prefetches, where
// scattered objects each cost a cache miss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace cdc {

template <typename T, size_t kPerChunk = 256>
class SlotRing {
  static_assert((kPerChunk & (kPerChunk - 1)) == 0, "a power of two: indexes by shifts");
  struct Chunk {
    T slots[kPerChunk];
  };
  // Slot `index` of `chunks` (pointers to chunks), whose first slot is `first`.
  template <typename Chunks>
  static auto& slot(Chunks& chunks, uint64_t first, uint64_t index) {
    const uint64_t at = index - first;
    return chunks[at / kPerChunk]->slots[at % kPerChunk];
  }

 public:
  // The slots in use are [begin(), end()).
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }
  bool empty() const { return begin_ == end_; }
  size_t size() const { return static_cast<size_t>(end_ - begin_); }

  // The slot at end(), not yet in use: a chunk is added when the last is full. The caller
  // fills it, then push() puts it in use (or leaves it for the next back()). Kept at
  // hand: the caller asks for it several times a slot.
  T& back() {
    if (back_ == nullptr) {
      if (end_ - first_ == chunks_.size() * kPerChunk) add_chunk();
      back_ = &(*this)[end_];
    }
    return *back_;
  }
  void push() {
    ++end_;
    if (back_ != nullptr) back_ = (end_ - first_) % kPerChunk == 0 ? nullptr : back_ + 1;
  }

  // A slot in use (or back()).
  T& operator[](uint64_t index) { return slot(chunks_, first_, index); }
  const T& operator[](uint64_t index) const { return slot(chunks_, first_, index); }

  // Takes the slots before `index` out of use; the chunks they filled wait for reuse.
  void pop_until(uint64_t index) {
    begin_ = index;
    const size_t passed = static_cast<size_t>((begin_ - first_) / kPerChunk);
    if (passed == 0) return;
    for (size_t c = 0; c < passed && spare_.size() < kSpareChunks; ++c) {
      spare_.push_back(std::move(chunks_[c]));
    }
    // A vector rather than a deque: indexing it is a shift and a load. The few hundred
    // pointers move once a chunk's worth of slots.
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(passed));
    first_ += passed * kPerChunk;
  }

  // The slots [from, to) for another thread to read while this one hands out more: the
  // chunks holding them, copied, so that adding chunks here does not race with it.
  // Valid until the front passes `from`.
  class View {
   public:
    View() = default;
    const T& operator[](uint64_t index) const { return slot(chunks_, first_, index); }

   private:
    friend class SlotRing;
    std::vector<const Chunk*> chunks_;
    uint64_t first_ = 0;
  };
  // Into `view`, keeping its capacity.
  void view(uint64_t from, uint64_t to, View& view) const {
    view.chunks_.clear();
    if (from == to) return;
    const uint64_t first_chunk = (from - first_) / kPerChunk;
    const uint64_t last_chunk = (to - 1 - first_) / kPerChunk;
    for (uint64_t c = first_chunk; c <= last_chunk; ++c) view.chunks_.push_back(chunks_[c].get());
    view.first_ = first_ + first_chunk * kPerChunk;
  }

 private:
  // Chunks kept for reuse beyond those in use: a burst's worth, then freed.
  static constexpr size_t kSpareChunks = 128;

  void add_chunk() {
    if (spare_.empty()) {
      chunks_.push_back(std::make_unique<Chunk>());
    } else {
      chunks_.push_back(std::move(spare_.back()));
      spare_.pop_back();
    }
  }

  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::vector<std::unique_ptr<Chunk>> spare_;
  uint64_t first_ = 0;  // the index of chunks_.front()'s first slot
  uint64_t begin_ = 0;
  uint64_t end_ = 0;
  T* back_ = nullptr;  // the slot at end_, once back() found it
};

}  // namespace cdc
