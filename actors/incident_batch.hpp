// Group commit for one incident: the writes that queued while a commit was in
// flight are applied one after the other to the committed state and become one
// chain of changes, committed by one Redis call. A hot incident thus commits as
// many writes per round trip as arrived during the last one, in arrival order.
// No CAF here: the incident actor owns the queue and the round trips.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "actors/messages.hpp"

namespace incident {

/// One queued request for the incident.
struct PendingCommand {
  using Command = IncidentCommand;
  Command command;
  int retries_left = 5;  // commits lost to another process's write, before 409
  /// An If-Match that failed against the cache is checked once more against
  /// the stored state, as the replicas confirm it, before it is refused.
  bool checked_against_store = false;
  /// A comment whose Idempotency-Key Redis already holds: it was kept by an
  /// earlier attempt, and is answered with the stored state.
  bool already_kept = false;

  const Reply<Incident>& reply() const;
};

/// The requests waiting for one incident, oldest first. Empty, it holds no
/// memory (a std::deque always holds a block): every cached incident's actor
/// has one, and they are empty nearly all the time.
class PendingQueue {
 public:
  PendingQueue() = default;
  PendingQueue(PendingQueue&& other) noexcept { *this = std::move(other); }
  PendingQueue& operator=(PendingQueue&& other) noexcept {
    items_ = std::move(other.items_);
    head_ = std::exchange(other.head_, 0);
    other.items_.clear();
    return *this;
  }

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  PendingCommand& front() { return items_[head_]; }
  void push_back(PendingCommand pending) { items_.push_back(std::move(pending)); }
  void push_front(PendingCommand pending) {
    if (head_ > 0) {
      items_[--head_] = std::move(pending);
    } else {
      items_.insert(items_.begin(), std::move(pending));
    }
  }
  void pop_front() {
    if (++head_ == items_.size()) clear();
  }
  void clear() {
    std::vector<PendingCommand>().swap(items_);
    head_ = 0;
  }
  std::vector<PendingCommand>::iterator begin() { return items_.begin() + head_; }
  std::vector<PendingCommand>::iterator end() { return items_.end(); }

 private:
  std::vector<PendingCommand> items_;
  std::size_t head_ = 0;  // items before it were taken
};

/// A write taken into a chain, answered with `answer` once the chain commits.
struct ChainedWrite {
  PendingCommand pending;
  Incident answer;
};

struct Batch {
  std::vector<CommitRequest> chain;  // empty: nothing to commit
  std::vector<ChainedWrite> writes;  // one per change of the chain
  /// The next command needs the stored state first (If-Match re-check).
  bool needs_reload = false;
};

/// Takes from the front of `queue` what can be answered or chained now,
/// starting from the committed state `current`: reads are answered at once
/// unless writes before them are not committed yet; refused or no-op writes
/// are answered at once; at most `max_chain` changes are chained; a delete,
/// and a comment with an Idempotency-Key, go alone.
Batch take_batch(const Incident& current, PendingQueue& queue, Minute now, std::size_t max_chain);

}  // namespace incident
