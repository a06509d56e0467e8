// Delivers every committed change to the webhook endpoints it matches, from
// the change stream's consumer group (storage/webhook_queue.hpp): at least
// once, across process deaths, with retries on the schedule for 24 h.
// One thread of its own reads the group and keeps the bookkeeping; the
// sender's thread does the HTTP. Neither is ever on a request's path: a write
// only appends to the stream, and a slow endpoint waits alone: an endpoint on
// probation (EndpointSlots) has one attempt on the wire, and the sender takes
// turns between endpoints, so a dead one holds one of its slots at most.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "metrics/metrics.hpp"
#include "storage/keys.hpp"
#include "storage/primary_locator.hpp"
#include "storage/webhook_queue.hpp"
#include "webhooks/endpoint_slots.hpp"
#include "webhooks/http_sender.hpp"
#include "webhooks/parsed_change.hpp"
#include "webhooks/retry_schedule.hpp"
#include "webhooks/subscription.hpp"

namespace incident::webhooks {

struct DispatcherOptions {
  std::string consumer;  // this process's name in the consumer group (unique)
  RetrySchedule schedule = default_retry_schedule();
  std::chrono::milliseconds timeout{10000};
  bool allow_private = false;
  std::int64_t disable_after = 5;  // changes failed for good in a row
  /// A change another process held this long without a sign of life is claimed.
  std::chrono::milliseconds claim_after{60000};
  /// Attempts of one endpoint on the wire at once; 1 while on probation.
  std::size_t per_endpoint_in_flight = 16;
  /// Changes waiting in memory for an endpoint's turn; more wait in Redis.
  std::size_t per_endpoint_waiting = 1000;
  std::size_t max_first_round = 10000;  // changes in their first round at once
  std::string user_agent = "incident-api-webhooks";
};

class Dispatcher {
 public:
  /// `metrics`, when given, counts attempts and outcomes.
  Dispatcher(std::shared_ptr<PrimaryLocator> locator, Keys keys, DispatcherOptions options,
             std::shared_ptr<metrics::WebhookMetrics> metrics = nullptr);
  /// Stops; what is not delivered yet stays in Redis for this or another
  /// process to deliver.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// Sends endpoint `endpoint` again every change it matches from stream id
  /// `first` to `last` (both inclusive), as retries due now. Replays run one
  /// after the other, a batch of changes at a time.
  void replay(Id endpoint, std::string first, std::string last);

 private:
  /// A change in its first round: the endpoints whose first outcome is not
  /// recorded yet. Acknowledged in the group once there are none.
  struct FirstRound {
    std::set<Id> pending;
  };
  /// One attempt on the wire, and what its outcome must record.
  struct Attempt {
    Id endpoint = 0;
    std::string stream_id;
    std::string type;  // the change's, for the history
    bool first_round = false;
    AttemptCount count;  // before this attempt
    OutboundResult result;
  };
  /// A change waiting for an endpoint to have room.
  struct Waiting {
    std::string stream_id;
    std::shared_ptr<const ParsedChange> change;  // shared by every endpoint it waits for
    bool first_round = false;
    AttemptCount count;
  };
  struct ReplayRequest {
    Id endpoint = 0;
    std::string from, last;  // XRANGE's bounds
  };

  void run();
  bool stopping();
  /// Waits until an attempt ends or `longest` passes (or stopping).
  void wait_for_outcomes(std::chrono::milliseconds longest);
  /// Whether any endpoint known is enabled.
  bool any_enabled() const;
  /// Whether an endpoint with more retries due than it took has room now.
  bool behind_with_room();
  /// Whether an attempt due to end soon would start a change waiting for it.
  bool outcome_would_start_work();
  /// Reads the endpoints again when any changed; false when Redis failed.
  bool refresh_subscriptions();
  void take_new(std::vector<QueuedChange> changes);
  void take_claimed(std::vector<QueuedChange> changes);
  /// Starts a change's first attempts, on every endpoint it matches but `done`.
  void begin_first_round(const QueuedChange& change, const std::set<Id>& done);
  /// Starts the retries due of every endpoint with room; notes those that
  /// had as many due as room (retries_behind_).
  void start_retries();
  void advance_replay();
  /// Sends `change` to `endpoint`, or leaves it waiting (in memory, or past
  /// the bound in the endpoint's retries) when as many of its attempts are on
  /// the wire as it may have.
  void start(Id endpoint, const std::string& stream_id,
             const std::shared_ptr<const ParsedChange>& change, bool first_round,
             AttemptCount count);
  void settle_outcomes();
  AttemptRecord record_of(const Attempt& attempt);
  void settled_one(const Attempt& attempt, const AttemptRecord& record, bool disabled);
  void start_waiting(Id endpoint);
  void first_outcome_recorded(const std::string& stream_id, Id endpoint);
  void keep_alive_and_claim();

  DispatcherOptions options_;
  std::shared_ptr<metrics::WebhookMetrics> metrics_;
  WebhookQueue queue_;

  // The dispatcher's thread alone:
  std::map<Id, Subscription> subscriptions_;
  std::int64_t revision_ = -1;
  std::uint64_t connections_seen_ = 0;
  std::string missed_noted_after_;  // the group's position when a loss was last noted
  std::unordered_map<std::string, FirstRound> first_round_;
  EndpointSlots slots_;
  std::unordered_map<Id, std::deque<Waiting>> waiting_;
  std::set<Id> retries_behind_;  // took as many retries as it had room for: more may be due
  std::vector<std::string> to_acknowledge_;
  std::deque<Attempt> unsettled_;  // outcomes not recorded yet (Redis failed)
  std::optional<ReplayRequest> replay_running_;
  std::chrono::steady_clock::time_point next_retries_{}, next_claim_{};
  std::mt19937_64 random_{std::random_device{}()};

  // Shared with the sender's thread and the API's:
  std::mutex mutex_;
  std::condition_variable outcome_arrived_;
  std::vector<Attempt> outcomes_;
  std::deque<ReplayRequest> replays_;
  bool stopping_ = false;

  std::unique_ptr<HttpSender> sender_;  // after what its callbacks touch: destroyed first
  std::thread thread_;
};

}  // namespace incident::webhooks
