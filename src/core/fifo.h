// A first-in first-out queue in one array that keeps its capacity. std::deque allocates and
// frees a block every few elements as it goes round, which a queue that is short but never
// empty (calls in flight) pays on every few pushes.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace cdc {

template <typename T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  T& back() { return items_.back(); }
  const T& back() const { return items_.back(); }
  void push_back(T&& value) { items_.push_back(std::move(value)); }
  void push_back(const T& value) { items_.push_back(value); }

  // Removes the front element and returns it.
  T take_front() {
    T value = std::move(items_[head_++]);
    taken();
    return value;
  }
  // Removes the first `count` elements (at most size()) at once.
  void drop_front(size_t count) {
    head_ += count;
    taken();
  }

  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }

 private:
  static constexpr size_t kCompactFrom = 1024;
  // After head_ moved.
  void taken() {
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= kCompactFrom && head_ * 2 >= items_.size()) {
      // The taken half moves out of the way: each element moves at most once per pass.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  std::vector<T> items_;
  size_t head_ = 0;  // items_[0, head_) were taken
};

}  // namespace cdc
