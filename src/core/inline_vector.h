// A vector that keeps its first N elements inside itself. For the short lists of objects
// held by the tens of thousands (the send-only-what-changed filter keeps one op per call
// in flight, with the stamps of the call's fields): a heap buffer of their own puts a
// second, distant pair of cache lines behind every such object, and with that many of them
// alive neither stays in the cache. Past N it moves everything to a heap vector, whose
// capacity clear() keeps for the next time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

namespace cdc {

// For trivially copyable T (copied by assignment, never destroyed one by one).
template <typename T, size_t N>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  size_t size() const { return on_heap_ ? heap_.size() : size_; }
  bool empty() const { return size() == 0; }
  bool on_heap() const { return on_heap_; }

  T* data() { return on_heap_ ? heap_.data() : inline_.data(); }
  const T* data() const { return on_heap_ ? heap_.data() : inline_.data(); }
  T* begin() { return data(); }
  T* end() { return data() + size(); }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  operator std::span<const T>() const { return {data(), size()}; }

  // Room for `count` elements: moves to the heap at once when they will not fit inside,
  // rather than part way through.
  void reserve(size_t count) {
    if (on_heap_) {
      heap_.reserve(count);
    } else if (count > N) {
      spill(count);
    }
  }

  // A new last element, value-initialised, for the caller to fill in place.
  T& emplace_back() {
    if (!on_heap_) {
      if (size_ < N) {
        inline_[size_] = T{};
        return inline_[size_++];
      }
      spill(N + 1);
    }
    return heap_.emplace_back();
  }
  void push_back(const T& value) { emplace_back() = value; }

  // `count` new last elements, for the caller to fill in place, every one of them: inside,
  // they hold whatever their slots last held (T is trivially copyable); on the heap, they
  // are value-initialised. One size check for the whole run, not one per element (a
  // filter hashing a call's fields into its stamps paid about ten instructions a field
  // for emplace_back()).
  T* grow(size_t count) {
    const size_t old = size();
    if (!on_heap_ && old + count > N) spill(old + count);
    if (on_heap_) {
      heap_.resize(old + count);
      return heap_.data() + old;
    }
    size_ = static_cast<uint32_t>(old + count);
    return inline_.data() + old;
  }

  // New elements are value-initialised.
  void resize(size_t count) {
    if (!on_heap_ && count > N) spill(count);
    if (on_heap_) {
      heap_.resize(count);
      return;
    }
    for (size_t i = size_; i < count; ++i) inline_[i] = T{};
    size_ = static_cast<uint32_t>(count);
  }

  // Back inside; the heap vector keeps its capacity.
  void clear() {
    size_ = 0;
    on_heap_ = false;
    heap_.clear();
  }

 private:
  void spill(size_t capacity) {
    heap_.clear();
    heap_.reserve(capacity);
    heap_.insert(heap_.end(), inline_.begin(), inline_.begin() + size_);
    on_heap_ = true;
  }

  uint32_t size_ = 0;  // while inside
  bool on_heap_ = false;
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // every element once on_heap_
};

}  // namespace cdc
