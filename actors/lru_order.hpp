// Recency order of a bounded set of keys: which key to evict when a new one
// would exceed the capacity, and which keys have not been used for a while.
// O(1) per operation.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>

namespace incident {

template <class Key>
class LruOrder {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit LruOrder(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// Marks `key` as just used (adding it if new); returns the least recently
  /// used key when the set grew over capacity (that key is then forgotten).
  std::optional<Key> touch(const Key& key, TimePoint now = {}) {
    auto it = positions_.find(key);
    if (it != positions_.end()) {
      it->second->used = now;
      order_.splice(order_.begin(), order_, it->second);
      return std::nullopt;
    }
    order_.push_front(Entry{key, now});
    positions_.emplace(key, order_.begin());
    if (order_.size() <= capacity_) return std::nullopt;
    return pop_oldest();
  }

  /// The least recently used key if it was last used before `cutoff` (that
  /// key is then forgotten); call until empty to take every such key.
  std::optional<Key> take_unused_since(TimePoint cutoff) {
    if (order_.empty() || !(order_.back().used < cutoff)) return std::nullopt;
    return pop_oldest();
  }

  /// The least recently used key, if any (it stays).
  std::optional<Key> oldest() const {
    if (order_.empty()) return std::nullopt;
    return order_.back().key;
  }

  void erase(const Key& key) {
    auto it = positions_.find(key);
    if (it == positions_.end()) return;
    order_.erase(it->second);
    positions_.erase(it);
  }

  std::size_t size() const { return order_.size(); }

 private:
  struct Entry {
    Key key;
    TimePoint used;
  };

  Key pop_oldest() {
    Key oldest = order_.back().key;
    positions_.erase(oldest);
    order_.pop_back();
    return oldest;
  }

  std::size_t capacity_;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<Key, typename std::list<Entry>::iterator> positions_;
};

}  // namespace incident
