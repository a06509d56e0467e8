// Recency order of a bounded set of keys: which key to evict when a new one
// would exceed the capacity. O(1) per operation.
#pragma once

#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>

namespace incident {

template <class Key>
class LruOrder {
 public:
  explicit LruOrder(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Marks `key` as just used (adding it if new); returns the least recently
  /// used key when the set grew over capacity (that key is then forgotten).
  std::optional<Key> touch(const Key& key) {
    auto it = positions_.find(key);
    if (it != positions_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      return std::nullopt;
    }
    order_.push_front(key);
    positions_.emplace(key, order_.begin());
    if (order_.size() <= capacity_) return std::nullopt;
    Key evicted = order_.back();
    positions_.erase(evicted);
    order_.pop_back();
    return evicted;
  }

  void erase(const Key& key) {
    auto it = positions_.find(key);
    if (it == positions_.end()) return;
    order_.erase(it->second);
    positions_.erase(it);
  }

  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::list<Key> order_;  // most recent first
  std::unordered_map<Key, typename std::list<Key>::iterator> positions_;
};

}  // namespace incident
