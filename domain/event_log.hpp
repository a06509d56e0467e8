// An incident's events, newest first, as an immutable shared list: adding an
// event shares every older one, so copying an incident (into a message, a
// commit, the next state) costs the same with ten thousand events as with one.
// Nodes are never changed once built, so copies may be read from any thread.
// Each node keeps its event's JSON text too (written once, when the event is
// added or read from storage), so showing a history copies text instead of
// escaping and formatting every event again.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "domain/event.hpp"

namespace incident {

class EventLog {
  struct Node {
    Event event;
    std::string json;
    std::shared_ptr<const Node> older;
  };

 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Event;
    using difference_type = std::ptrdiff_t;
    using pointer = const Event*;
    using reference = const Event&;

    const_iterator() = default;
    reference operator*() const { return node_->event; }
    pointer operator->() const { return &node_->event; }
    const_iterator& operator++() {
      node_ = node_->older.get();
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    /// The event as the API shows it (event_json).
    const std::string& json() const { return node_->json; }
    bool operator==(const const_iterator& other) const { return node_ == other.node_; }
    bool operator!=(const const_iterator& other) const { return node_ != other.node_; }

   private:
    friend class EventLog;
    explicit const_iterator(const Node* node) : node_(node) {}
    const Node* node_ = nullptr;
  };

  EventLog() = default;
  /// Events newest first, as the API lists them.
  EventLog(std::initializer_list<Event> newest_first);
  static EventLog from_newest_first(std::vector<Event> events);

  EventLog(const EventLog& other) = default;
  EventLog(EventLog&& other) noexcept;
  EventLog& operator=(EventLog other) noexcept;
  /// Frees the nodes no other log shares one by one: a long history must not
  /// be released by recursion.
  ~EventLog();

  /// Adds the newest event.
  void push_front(Event event);
  /// Adds the newest event with its text, which must be exactly what
  /// event_json(event) writes (as stored events read back are).
  void push_front(Event event, std::string json);

  const Event& front() const { return head_->event; }
  /// The oldest event (walks the list).
  const Event& back() const;
  /// The i-th event from the newest (walks the list).
  const Event& operator[](std::size_t index) const;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// About how much memory the events take (shared nodes counted in full).
  std::size_t approximate_bytes() const { return bytes_; }
  const_iterator begin() const { return const_iterator(head_.get()); }
  const_iterator end() const { return const_iterator(); }

  bool operator==(const EventLog& other) const;
  bool operator!=(const EventLog& other) const { return !(*this == other); }

 private:
  std::shared_ptr<const Node> head_;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace incident
