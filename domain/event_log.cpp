#include "domain/event_log.hpp"

#include <algorithm>
#include <utility>

#include "domain/incident_json.hpp"

namespace incident {

EventLog::EventLog(std::initializer_list<Event> newest_first)
    : EventLog(from_newest_first(std::vector<Event>(newest_first))) {}

EventLog EventLog::from_newest_first(std::vector<Event> events) {
  EventLog log;
  for (auto it = events.rbegin(); it != events.rend(); ++it) log.push_front(std::move(*it));
  return log;
}

EventLog::EventLog(EventLog&& other) noexcept
    : head_(std::move(other.head_)),
      size_(std::exchange(other.size_, 0)),
      bytes_(std::exchange(other.bytes_, 0)) {}

EventLog& EventLog::operator=(EventLog other) noexcept {
  std::swap(head_, other.head_);
  std::swap(size_, other.size_);
  std::swap(bytes_, other.bytes_);
  return *this;
}

EventLog::~EventLog() {
  // When this log holds the only reference to a node, nobody else can take a
  // new one, so unlinking it here is safe from any thread.
  std::shared_ptr<const Node> node = std::move(head_);
  while (node && node.use_count() == 1) {
    std::shared_ptr<const Node> older = std::move(const_cast<Node&>(*node).older);
    node = std::move(older);
  }
}

void EventLog::push_front(Event event) {
  std::string json = event_json(event);
  push_front(std::move(event), std::move(json));
}

void EventLog::push_front(Event event, std::string json) {
  // The node and its control block, and each text's heap block (a short text
  // lives inside its string, but an estimate need not know that).
  bytes_ += sizeof(Node) + 32 + event.type.size() + event.content.size() + json.size();
  head_ = std::make_shared<Node>(Node{std::move(event), std::move(json), std::move(head_)});
  ++size_;
}

const Event& EventLog::back() const {
  const Node* node = head_.get();
  while (node->older) node = node->older.get();
  return node->event;
}

const Event& EventLog::operator[](std::size_t index) const {
  auto it = begin();
  std::advance(it, static_cast<std::ptrdiff_t>(index));
  return *it;
}

bool EventLog::operator==(const EventLog& other) const {
  if (size_ != other.size_) return false;
  // Logs that share their nodes are equal from the first shared one on.
  auto a = begin(), b = other.begin();
  for (; a != end(); ++a, ++b) {
    if (a == b) return true;
    if (!(*a == *b)) return false;
  }
  return true;
}

}  // namespace incident
