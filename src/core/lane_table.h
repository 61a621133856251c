// Per-customer state by lane key (the sink's lanes, the send-only-what-changed filter's
// pending values): a flat open-addressing table (linear probing, backward-shift
// deletion) of 64-bit key hashes pointing into pooled nodes. In the sink it replaced an
// std::unordered_map<std::string, Lane> that cost a key string, a map node and a fresh
// lane (its queue allocates) per customer seen, and freed them all again when the
// customer's calls were done: most of the sink's malloc/free under load. Here a lookup
// hashes the key where it lies, and an erased lane goes back to a small pool, queue
// buffers and key capacity included, for the next customer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cdc {

// A lane key's hash: XXH3's low 32 bits, which for a customer id costs about half of what
// std::hash's murmur did (30 instructions a call against 65, on every call the sink takes).
uint32_t lane_hash(std::string_view key);

// Not thread-safe. `T` is default-constructible; a pooled value is handed out again as it
// was left (the caller resets what it must). Pointers to values stay valid until erase().
template <typename T>
class LaneTable {
 public:
  // Keeps up to `max_spare` erased values for reuse; beyond it they are freed, so a burst
  // of many customers does not hold its memory forever.
  explicit LaneTable(size_t max_spare = 1024) : max_spare_(max_spare) {}

  struct Entry {
    T* value;
    uint32_t slot;  // names the entry for erase()
    bool inserted;
  };

  // The hash `key` is filed under. A caller that looks a key up more than once can take
  // it once and give it to the lookups below.
  static uint32_t hash(std::string_view key) { return lane_hash(key); }

  // Starts loading the bucket where a lookup of `hash` begins, so that a lookup some work
  // later finds it in the cache: with tens of thousands of customers pending, the buckets
  // outgrow it, and the load was most of a lookup's time.
  void prefetch(uint32_t hash) const {
    if (!buckets_.empty()) __builtin_prefetch(&buckets_[hash & mask()]);
  }

  // The entry for `key`, added (from the pool when it has one) if absent.
  Entry find_or_add(std::string_view key) { return find_or_add(key, hash(key)); }
  Entry find_or_add(std::string_view key, uint32_t tag) {
    if (const Entry found = find(key, tag); found.value != nullptr) return found;
    if (2 * (live_ + 1) > buckets_.size()) grow();
    const uint32_t slot = take_node();
    Node& node = *nodes_[slot];
    node.key.assign(key);
    node.tag = tag;
    place(slot, tag);
    ++live_;
    return {&node.value, slot, true};
  }

  // The entry for `key`, or one whose value is nullptr.
  Entry find(std::string_view key) { return find(key, hash(key)); }
  Entry find(std::string_view key, uint32_t tag) {
    if (buckets_.empty()) buckets_.assign(kInitialBuckets, Bucket{});
    for (size_t i = tag & mask();; i = (i + 1) & mask()) {
      const Bucket& bucket = buckets_[i];
      if (bucket.node == kEmpty) return {nullptr, kEmpty, false};
      if (bucket.tag == tag && nodes_[bucket.node]->key == key) {
        return {&nodes_[bucket.node]->value, bucket.node, false};
      }
    }
  }

  // Removes the entry `slot` names; its value goes to the pool.
  void erase(uint32_t slot) {
    size_t i = nodes_[slot]->tag & mask();
    while (buckets_[i].node != slot) i = (i + 1) & mask();
    // Backward-shift deletion: later entries of the probe run move up, so lookups never
    // need tombstones.
    for (size_t j = (i + 1) & mask(); buckets_[j].node != kEmpty; j = (j + 1) & mask()) {
      const size_t home = buckets_[j].tag & mask();
      const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        buckets_[i] = buckets_[j];
        i = j;
      }
    }
    buckets_[i] = Bucket{};
    --live_;
    if (spare_.size() < max_spare_) {
      spare_.push_back(slot);
    } else {
      nodes_[slot].reset();
      free_.push_back(slot);
    }
  }

  size_t size() const { return live_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialBuckets = 64;

  struct Bucket {
    uint32_t node = kEmpty;
    uint32_t tag = 0;  // the hash's low 32 bits: its home bucket, and a cheap first check
  };
  struct Node {
    std::string key;
    uint32_t tag = 0;
    T value{};
  };

  size_t mask() const { return buckets_.size() - 1; }

  uint32_t take_node() {
    if (!spare_.empty()) {
      const uint32_t slot = spare_.back();
      spare_.pop_back();
      return slot;
    }
    if (!free_.empty()) {
      const uint32_t slot = free_.back();
      free_.pop_back();
      nodes_[slot] = std::make_unique<Node>();
      return slot;
    }
    nodes_.push_back(std::make_unique<Node>());
    return static_cast<uint32_t>(nodes_.size() - 1);
  }

  void place(uint32_t slot, uint32_t tag) {
    size_t i = tag & mask();
    while (buckets_[i].node != kEmpty) i = (i + 1) & mask();
    buckets_[i] = Bucket{slot, tag};
  }

  void grow() {
    std::vector<Bucket> old = std::move(buckets_);
    buckets_.assign(old.size() * 2, Bucket{});
    for (const Bucket& bucket : old) {
      if (bucket.node != kEmpty) place(bucket.node, bucket.tag);
    }
  }

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<uint32_t> spare_;  // nodes ready for reuse
  std::vector<uint32_t> free_;   // indexes whose node was freed
  std::vector<Bucket> buckets_;  // a power of two, at most half full
  size_t live_ = 0;
  size_t max_spare_;
};

}  // namespace cdc
