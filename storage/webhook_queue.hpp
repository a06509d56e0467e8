// The delivery side of webhooks in Redis, shared by every server process.
// A change's first attempts come from the change stream's consumer group
// "webhooks": it is acknowledged only once every matching endpoint's first
// outcome is recorded, so one a process held when it died is claimed by
// another. What must be tried again waits in the endpoint's retries (a zset
// by due time), taken under a lease: a process that dies mid-attempt leaves
// it to be taken again when the lease ends. Nothing waits in memory.
// Blocking calls on the caller's thread (the dispatcher's own), over a
// connection of its own that follows the primary through failovers.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/keys.hpp"
#include "storage/primary_locator.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/redis_value.hpp"
#include "webhooks/subscription.hpp"

struct redisContext;

namespace incident {

/// One change of the stream; `data` is empty when it was trimmed away.
struct QueuedChange {
  std::string stream_id;
  std::string data;
};

/// How often a change was tried on an endpoint, and since when.
struct AttemptCount {
  int attempts = 0;
  std::int64_t first_attempt_ms = 0;
};

/// A change due to be tried again on an endpoint, leased to this process.
struct DueRetry {
  Id endpoint = 0;
  std::string stream_id;
  AttemptCount count;
  std::string data;  // "" when the stream no longer holds the change
};

/// What an attempt to deliver one change to one endpoint leaves behind.
struct AttemptRecord {
  Id endpoint = 0;
  std::string stream_id;
  bool first_round = false;   // from the group: counts towards acknowledging it
  std::string history_entry;  // JSON for the endpoint's deliveries list
  /// When to try again (Unix ms), with the count so far; 0: never again.
  std::int64_t next_attempt_ms = 0;
  AttemptCount count;
  enum class Health { keep, succeeded, failed_for_good, gone } health = Health::keep;
  std::string disabled_reason;  // disables it: for gone, or failed_for_good past the run allowed
};

class WebhookQueue {
 public:
  /// `consumer` names this process in the group; `disable_after` failed-for-
  /// good changes in a row disable an endpoint.
  WebhookQueue(std::shared_ptr<PrimaryLocator> locator, Keys keys, std::string consumer,
               std::int64_t disable_after);
  ~WebhookQueue();
  WebhookQueue(const WebhookQueue&) = delete;
  WebhookQueue& operator=(const WebhookQueue&) = delete;

  /// A connection to the primary with the group made; false (after a short
  /// wait) when Redis cannot be had. Every call below needs it first.
  bool ready();
  /// Connections made so far: a new one may reach a Redis emptied or failed
  /// over, whose endpoints must be read again whatever their revision says.
  std::uint64_t connections() const { return connections_; }

  /// Changes no consumer was given yet, waiting at most `block` for some.
  std::vector<QueuedChange> read_new(std::size_t count, std::chrono::milliseconds block);
  /// The same without waiting: what is there now.
  std::vector<QueuedChange> read_new_now(std::size_t count);
  /// Changes other consumers have held longer than `min_idle`, now this one's.
  std::vector<QueuedChange> claim_idle(std::chrono::milliseconds min_idle, std::size_t count);
  /// Marks these changes as still worked on, so no other process claims them.
  void keep_held(const std::vector<std::string>& stream_ids);
  /// Changes from `from` (XRANGE's form: an id, inclusive, or "(" and an id,
  /// exclusive) up to `last`, at most `count`.
  std::vector<QueuedChange> read_range(const std::string& from, const std::string& last,
                                       std::size_t count);
  /// The newest change's id, "0-0" when none.
  std::optional<std::string> newest_id();

  /// Changes trimmed from the stream before the group read them (the stream's
  /// cap overtook the deliveries): their count, 0 when none, nullopt when
  /// Redis could not say. `noted_after` is the group's position when this
  /// was last answered, so a loss is counted once.
  std::optional<std::int64_t> unread_trimmed(std::string& noted_after);

  /// Moves the group past every change not read yet, if the endpoints'
  /// revision is still `revision` (at which none was enabled): how many it
  /// passed over; nullopt when it did not (the revision moved, or Redis failed).
  std::optional<std::int64_t> skip_unread(std::int64_t revision);

  /// The counter every change of an endpoint bumps; nullopt on failure.
  std::optional<std::int64_t> subscriptions_revision();
  std::optional<std::vector<webhooks::Subscription>> load_subscriptions();
  /// The endpoints whose first outcome for a change is recorded already (for
  /// a change claimed from a process that died).
  std::set<Id> first_round_done(const std::string& stream_id);

  /// Puts a change in an endpoint's retries, due at `due_ms`: a first attempt
  /// that must wait its turn (`first_round`), or a replay. An attempt count
  /// already there is kept. False when Redis did not take it.
  bool defer(Id endpoint, const std::string& stream_id, std::int64_t due_ms, AttemptCount count,
             bool first_round);
  /// Retries due by `now_ms`, up to `wanted[endpoint]` each, leased to this
  /// process until `now_ms + lease_ms`.
  std::vector<DueRetry> take_due(const std::map<Id, std::size_t>& wanted, std::int64_t now_ms,
                                 std::int64_t lease_ms);
  /// Whether this attempt disabled the endpoint; nullopt when Redis did not take it.
  std::optional<bool> record(const AttemptRecord& record);
  /// The same for several, in one round trip; one answer each, in order.
  std::vector<std::optional<bool>> record_all(const std::vector<AttemptRecord>& records);
  /// Done with these changes' first round (their progress goes too).
  bool acknowledge(const std::vector<std::string>& stream_ids);

 private:
  /// The reply, or nullopt when the connection failed (it is then dropped).
  std::optional<RedisValue> run(const std::vector<std::string>& argv);
  std::optional<RedisValue> eval(const Script& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args);
  std::vector<std::string> record_command(const AttemptRecord& record) const;
  void drop_connection(const RedisValue& failure);
  std::vector<QueuedChange> changes_of(const RedisValue& entries);
  /// Runs an XREADGROUP and reads its changes.
  std::vector<QueuedChange> read_group(const std::vector<std::string>& command);

  std::shared_ptr<PrimaryLocator> locator_;
  Keys keys_;
  std::string consumer_;
  std::int64_t disable_after_;
  redisContext* context_ = nullptr;
  std::uint64_t connections_ = 0;
  bool skip_refused_ = false;  // skip_unread's last script run was refused (said once)
  std::chrono::steady_clock::time_point skip_refused_until_;
  std::string claim_cursor_ = "0-0";
  RedisEndpoint reached_;
  std::uint64_t generation_ = 0;
};

}  // namespace incident
