// Admission control for the whole server: how many requests are being served,
// how many bytes their bodies hold, and how many bytes of answers and event
// streams wait for slow clients. Past a bound a request is answered 503 with
// Retry-After at once, instead of queueing without end in mailboxes, queues
// and buffers while memory grows (an incident tool is used hardest when
// everything else is failing, Redis included).
// Plain atomics, no locks: every reactor thread and connection shares one.
#pragma once

#include <atomic>
#include <cstdint>

namespace incident {

struct AdmissionLimits {
  long max_requests = 4096;                      // admitted and not yet answered
  std::int64_t max_bytes = 256LL * 1024 * 1024;  // bodies served plus answers waiting
};

/// What holds a server's memory, for one bound to answer.
enum class Backlog { answers, streams };

class Admission {
 public:
  explicit Admission(AdmissionLimits limits = {}) : limits_(limits) {}

  /// A request (with a body of `body_bytes`) begins to be served.
  void enter(std::int64_t body_bytes);
  /// ... and is answered (or its event stream opened).
  void leave(std::int64_t body_bytes);

  /// True when a request just entered would take the server past a bound:
  /// too many requests at once, or their bodies with the answers waiting for
  /// slow clients hold too many bytes. Event streams do not count here: a
  /// crowd of stalled stream readers must not shut the API.
  bool over_budget() const;
  /// The byte half of over_budget(): then connections whose readers stalled
  /// with megabytes unread are cut, so a few of them cannot hold everyone off.
  bool bytes_over_budget() const;

  /// Bytes waiting to be written to clients, by kind (a delta, + or -).
  void add_backlog(Backlog kind, std::int64_t delta);
  /// True when event-stream backlogs together exceed the byte bound: a stream
  /// that falls behind then is cut (its reader resumes with Last-Event-ID).
  bool streams_over_budget() const;

  long requests() const { return requests_.load(std::memory_order_relaxed); }
  std::int64_t backlog(Backlog kind) const;
  const AdmissionLimits& limits() const { return limits_; }

 private:
  AdmissionLimits limits_;
  std::atomic<long> requests_{0};
  std::atomic<std::int64_t> body_bytes_{0};
  std::atomic<std::int64_t> answer_backlog_{0};
  std::atomic<std::int64_t> stream_backlog_{0};
};

}  // namespace incident
