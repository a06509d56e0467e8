// A waiting line that takes turns between keys (the sender's, keyed by
// endpoint): one deque per key and a rotation of the keys with something
// waiting, so one key's backlog never waits in front of another key's item.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>

namespace incident::webhooks {

/// Not thread-safe: its owner locks. Within a key, items leave in the order
/// they came; across keys, round-robin: a key that has just given an item
/// goes to the back of the rotation, and a key that starts waiting joins it
/// at the back, so any item waits for at most one turn of each other key
/// before its own key's turn.
template <class T>
class FairQueue {
 public:
  using Key = std::int64_t;

  void push(Key key, T item) {
    auto& line = lines_[key];
    if (line.empty()) rotation_.push_back(key);
    line.push_back(std::move(item));
    ++size_;
  }

  /// The next item in turn; the queue must not be empty.
  T pop() {
    const Key key = rotation_.front();
    rotation_.pop_front();
    auto line = lines_.find(key);
    T item = std::move(line->second.front());
    line->second.pop_front();
    --size_;
    if (line->second.empty())
      lines_.erase(line);  // an idle key costs nothing
    else
      rotation_.push_back(key);
    return item;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  /// Keys with something waiting.
  std::size_t keys() const { return rotation_.size(); }

 private:
  std::unordered_map<Key, std::deque<T>> lines_;  // only keys with items
  std::deque<Key> rotation_;                      // each key of lines_ once
  std::size_t size_ = 0;
};

}  // namespace incident::webhooks
