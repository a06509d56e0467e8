// The dispatcher's loop: record what came back, take what is due again, keep
// its held changes alive and claim those of dead processes, then read new
// changes from the group (waiting there briefly when nothing else is going).
// Every decision that must survive a crash is in Redis before it counts: a
// change is acknowledged only after each of its endpoints' first outcomes is
// recorded, and a retry is leased, not removed, until its outcome is.
#include "webhooks/dispatcher.hpp"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "config/log.hpp"
#include "config/thread_name.hpp"
#include "domain/feed_view.hpp"
#include "webhooks/signature.hpp"

namespace incident::webhooks {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The milliseconds a stream id begins with: when the change was committed.
std::int64_t stream_id_ms(const std::string& id) {
  std::int64_t ms = 0;
  for (char c : id) {
    if (c < '0' || c > '9') break;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

/// "2026-12-04T08:00:00.123Z".
std::string iso_time(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];  // room for any int the format may print, as the compiler checks
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::string message_id(const std::string& stream_id) { return "msg_" + stream_id; }

bool delivered(const OutboundResult& result) {
  return result.error.empty() && result.status >= 200 && result.status < 300;
}

/// What an outcome says of its endpoint: "stopped" says nothing.
AttemptEnd end_of(const OutboundResult& result) {
  if (delivered(result)) return AttemptEnd::succeeded;
  return result.error == "stopped" ? AttemptEnd::stopped : AttemptEnd::failed;
}

/// One entry of an endpoint's delivery history (GET .../deliveries): the
/// same fields whatever the outcome, null where they do not apply.
std::string history_entry(const std::string& stream_id, const std::string& type, int attempt,
                          std::int64_t at_ms, const OutboundResult& result,
                          const std::string& outcome, std::optional<std::int64_t> next_ms) {
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json() : nlohmann::json(text);
  };
  return nlohmann::json{
      {"message_id", message_id(stream_id)},
      {"stream_id", stream_id},
      {"type", text_or_null(type)},
      {"attempt", attempt},
      {"at", iso_time(at_ms)},
      {"status", result.status ? nlohmann::json(result.status) : nlohmann::json()},
      {"error", text_or_null(result.error)},
      {"duration_ms", static_cast<double>(result.duration.count()) / 1000.0},
      {"outcome", outcome},
      {"next_attempt_at", next_ms ? nlohmann::json(iso_time(*next_ms)) : nlohmann::json()}}
      .dump();
}

// While attempts are on the wire the loop waits for their outcomes (at most
// kBusyBlock), so an endpoint gets its next change as soon as one ends, and
// reads new changes without waiting in Redis; when idle it waits in Redis
// (kIdleBlock). Retries are looked for every kRetriesEvery, or as soon as
// room is made while an endpoint has more due.
constexpr auto kBusyBlock = std::chrono::milliseconds(20);
constexpr auto kIdleBlock = std::chrono::milliseconds(250);
constexpr auto kRetriesEvery = std::chrono::milliseconds(200);
constexpr std::size_t kReadCount = 256;

/// Whether `change` was committed after the endpoint was made (or enabled
/// again): it never gets what came before.
bool after_start(const Subscription& subscription, const std::string& change) {
  return subscription.starts_after.empty() ||
         compare_stream_ids(change, subscription.starts_after) > 0;
}

}  // namespace

Dispatcher::Dispatcher(std::shared_ptr<PrimaryLocator> locator, Keys keys,
                       DispatcherOptions options, std::shared_ptr<metrics::WebhookMetrics> metrics)
    : options_(std::move(options)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<metrics::WebhookMetrics>()),
      queue_(std::move(locator), std::move(keys), options_.consumer, options_.disable_after),
      slots_(options_.per_endpoint_in_flight),
      sender_(std::make_unique<HttpSender>(options_.user_agent)),
      thread_([this] {
        name_this_thread("webhook.disp");
        run();
      }) {}

Dispatcher::~Dispatcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  outcome_arrived_.notify_one();
  thread_.join();
}

void Dispatcher::replay(Id endpoint, std::string first, std::string last) {
  std::lock_guard<std::mutex> lock(mutex_);
  replays_.push_back({endpoint, std::move(first), std::move(last)});
}

bool Dispatcher::stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void Dispatcher::wait_for_outcomes(std::chrono::milliseconds longest) {
  std::unique_lock<std::mutex> lock(mutex_);
  outcome_arrived_.wait_for(lock, longest, [this] { return !outcomes_.empty() || stopping_; });
}

bool Dispatcher::any_enabled() const {
  return std::any_of(subscriptions_.begin(), subscriptions_.end(),
                     [](const auto& entry) { return entry.second.enabled; });
}

bool Dispatcher::behind_with_room() {
  for (auto it = retries_behind_.begin(); it != retries_behind_.end();) {
    auto found = subscriptions_.find(*it);
    if (found == subscriptions_.end() || !found->second.enabled) {
      it = retries_behind_.erase(it);
      continue;
    }
    if (slots_.room(*it) > 0) return true;
    ++it;
  }
  return false;
}

bool Dispatcher::outcome_would_start_work() {
  // An endpoint in good standing with attempts on the wire and changes
  // waiting for it: its next attempt ends soon and starts one of them. An
  // endpoint on probation (a dead one, say) may take its whole timeout.
  auto unlocks = [this](Id endpoint) {
    return slots_.in_flight(endpoint) > 0 && !slots_.on_probation(endpoint);
  };
  for (const auto& [endpoint, waiting] : waiting_)
    if (!waiting.empty() && unlocks(endpoint)) return true;
  return std::any_of(retries_behind_.begin(), retries_behind_.end(), unlocks);
}

void Dispatcher::run() {
  while (!stopping()) {
    if (!queue_.ready()) continue;
    settle_outcomes();
    if (!unsettled_.empty()) {  // Redis did not take an outcome: try again shortly
      std::this_thread::sleep_for(kBusyBlock);
      continue;
    }
    auto now = Clock::now();
    if (now >= next_retries_) {
      if (!refresh_subscriptions()) continue;
      advance_replay();
      start_retries();
      next_retries_ = now + kRetriesEvery;
    } else if (behind_with_room()) {
      start_retries();  // more were due than it had room for: room is made
    }
    if (now >= next_claim_) {
      keep_alive_and_claim();
      next_claim_ = now + options_.claim_after / 4;
    }
    if (!to_acknowledge_.empty() && queue_.acknowledge(to_acknowledge_)) to_acknowledge_.clear();
    bool busy = sender_->in_flight() > 0 || replay_running_;
    if (first_round_.size() >= options_.max_first_round) {
      wait_for_outcomes(kBusyBlock);
      continue;
    }
    // Nobody subscribed: the changes are passed over in Redis, unread
    // (reading and acknowledging each cost more than its write did), unless
    // an endpoint changed since, which the next read finds.
    if (!busy && first_round_.empty() && !any_enabled() && revision_ >= 0 &&
        queue_.skip_unread(revision_)) {
      wait_for_outcomes(kIdleBlock);
      continue;
    }
    // Waiting for an outcome beats waiting in Redis only when one is due
    // soon and starts a waiting change; else new changes come first.
    std::vector<QueuedChange> changes;
    if (busy && outcome_would_start_work()) {
      wait_for_outcomes(kBusyBlock);
      changes = queue_.read_new_now(kReadCount);
    } else {
      changes = queue_.read_new(kReadCount, busy ? kBusyBlock : kIdleBlock);
    }
    // Endpoints made before a change was committed must see it: read them
    // again, if any changed, after reading the changes.
    metrics_->changes_read.add(changes.size());
    // Changes left unmatched (Redis failed) stay pending: claimed again later.
    if (!changes.empty() && refresh_subscriptions()) take_new(std::move(changes));
  }
}

bool Dispatcher::refresh_subscriptions() {
  if (queue_.connections() != connections_seen_) {
    connections_seen_ = queue_.connections();
    revision_ = -1;  // the revision counter may have started again (emptied Redis)
  }
  auto revision = queue_.subscriptions_revision();
  if (!revision) return false;
  if (*revision == revision_) return true;
  auto loaded = queue_.load_subscriptions();
  if (!loaded) return false;
  subscriptions_.clear();
  for (auto& subscription : *loaded) subscriptions_[subscription.id] = std::move(subscription);
  revision_ = *revision;
  return true;
}

void Dispatcher::take_new(std::vector<QueuedChange> changes) {
  for (const auto& change : changes) begin_first_round(change, {});
}

void Dispatcher::take_claimed(std::vector<QueuedChange> changes) {
  for (const auto& change : changes) {
    if (first_round_.count(change.stream_id)) continue;  // still ours
    metrics_->changes_claimed.add();
    if (change.data.empty())
      log_warning("webhooks: change " + change.stream_id +
                  " left the stream before it was delivered (the stream is capped)");
    begin_first_round(change, queue_.first_round_done(change.stream_id));
  }
}

void Dispatcher::begin_first_round(const QueuedChange& change, const std::set<Id>& done) {
  // With no endpoint enabled (a server nobody subscribed to), a change is
  // acknowledged unread: most of what delivery costs a write is its parse.
  if (!any_enabled()) {
    to_acknowledge_.push_back(change.stream_id);
    return;
  }
  // Parsed once here, for matching and for every body sent from it.
  auto parsed = std::make_shared<const ParsedChange>(change.data);
  FirstRound round;
  for (const auto& [id, subscription] : subscriptions_)
    if (!done.count(id) && !change.data.empty() && after_start(subscription, change.stream_id) &&
        matching_body(subscription, *parsed))
      round.pending.insert(id);
  if (round.pending.empty()) {
    to_acknowledge_.push_back(change.stream_id);
    return;
  }
  auto pending = round.pending;
  first_round_[change.stream_id] = std::move(round);
  for (Id endpoint : pending)
    start(endpoint, change.stream_id, parsed, true,
          AttemptCount{0, stream_id_ms(change.stream_id)});
}

void Dispatcher::keep_alive_and_claim() {
  std::vector<std::string> held;
  held.reserve(first_round_.size());
  for (const auto& [id, round] : first_round_) held.push_back(id);
  queue_.keep_held(held);
  take_claimed(queue_.claim_idle(options_.claim_after, kReadCount));
  // Trimmed while no endpoint was enabled, a change had nowhere to go: no loss.
  auto missed = queue_.unread_trimmed(missed_noted_after_);
  if (missed && *missed != 0 && any_enabled()) {
    metrics_->changes_missed.add(*missed > 0 ? static_cast<std::uint64_t>(*missed) : 1);
    log_error("webhooks: " + (*missed > 0 ? std::to_string(*missed) : std::string("some")) +
              " changes left the stream before they could be delivered: deliveries fell "
              "behind past --stream-maxlen (raise it, or add processes that deliver)");
  }
}

void Dispatcher::start_retries() {
  std::map<Id, std::size_t> wanted;
  for (const auto& [id, subscription] : subscriptions_) {
    if (!subscription.enabled) continue;
    if (std::size_t room = slots_.room(id)) wanted[id] = room;
  }
  if (wanted.empty()) return;
  auto lease = options_.timeout + std::chrono::seconds(30);
  // Retries of one change for several endpoints share one parse.
  std::unordered_map<std::string, std::shared_ptr<const ParsedChange>> parsed;
  std::map<Id, std::size_t> taken;
  for (auto& retry : queue_.take_due(wanted, now_ms(), lease.count())) {
    ++taken[retry.endpoint];
    if (retry.data.empty()) {
      // Trimmed from the stream while it waited: nothing is left to send.
      AttemptRecord record;
      record.endpoint = retry.endpoint;
      record.stream_id = retry.stream_id;
      record.count = retry.count;
      OutboundResult nothing;
      nothing.error = "the change is no longer in the stream";
      record.history_entry = history_entry(retry.stream_id, "", retry.count.attempts, now_ms(),
                                           nothing, "failed", std::nullopt);
      queue_.record(record);
      continue;
    }
    auto& change = parsed[retry.stream_id];
    if (!change) change = std::make_shared<const ParsedChange>(std::move(retry.data));
    start(retry.endpoint, retry.stream_id, change, false, retry.count);
  }
  // As many as it had room for: more may be due, taken as soon as it has room.
  for (const auto& [endpoint, room] : wanted) {
    if (taken[endpoint] >= room)
      retries_behind_.insert(endpoint);
    else
      retries_behind_.erase(endpoint);
  }
}

void Dispatcher::advance_replay() {
  if (!replay_running_) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (replays_.empty()) return;
    replay_running_ = std::move(replays_.front());
    replays_.pop_front();
  }
  auto& replay = *replay_running_;
  auto subscription = subscriptions_.find(replay.endpoint);
  auto changes = queue_.read_range(replay.from, replay.last, kReadCount);
  std::int64_t due = now_ms();
  for (const auto& change : changes) {
    if (subscription != subscriptions_.end() &&
        matching_body(subscription->second, ParsedChange(change.data)) &&
        !queue_.defer(replay.endpoint, change.stream_id, due, AttemptCount{0, due}, false))
      return;  // Redis failed: go on from here next time
    replay.from = "(" + change.stream_id;
  }
  if (changes.size() < kReadCount || subscription == subscriptions_.end()) replay_running_.reset();
}

void Dispatcher::start(Id endpoint, const std::string& stream_id,
                       const std::shared_ptr<const ParsedChange>& change, bool first_round,
                       AttemptCount count) {
  auto found = subscriptions_.find(endpoint);
  const std::string* body = nullptr;
  if (found != subscriptions_.end()) body = matching_body(found->second, *change);
  if (!body) {  // disabled, deleted or changed since: it no longer takes this change
    if (first_round) {
      first_outcome_recorded(stream_id, endpoint);
    } else {
      AttemptRecord record;
      record.endpoint = endpoint;
      record.stream_id = stream_id;
      record.count = count;
      OutboundResult nothing;
      nothing.error = "the endpoint no longer takes this change";
      record.history_entry = history_entry(stream_id, change->type(), count.attempts, now_ms(),
                                           nothing, "dropped", std::nullopt);
      queue_.record(record);
    }
    return;
  }
  if (slots_.room(endpoint) == 0) {
    // It waits its turn here, up to a bound; past it, in the endpoint's
    // retries in Redis, so a slow endpoint never holds much memory.
    auto& waiting = waiting_[endpoint];
    if (waiting.size() < options_.per_endpoint_waiting) {
      waiting.push_back({stream_id, change, first_round, count});
      return;
    }
    bool deferred = queue_.defer(endpoint, stream_id, now_ms(), count, first_round);
    if (first_round && deferred) first_outcome_recorded(stream_id, endpoint);
    // Not deferred: forget the change (unacknowledged, no longer kept alive),
    // so it is claimed again, its recorded endpoints skipped.
    if (first_round && !deferred) first_round_.erase(stream_id);
    return;
  }
  slots_.started(endpoint);
  metrics_->in_flight.add(1);
  const auto& subscription = found->second;
  std::int64_t now = now_ms();
  std::int64_t timestamp = now / 1000;
  OutboundRequest request;
  request.key = endpoint;
  request.url = subscription.url;
  request.timeout = options_.timeout;
  request.allow_private = options_.allow_private;
  request.headers = {
      "webhook-id: " + message_id(stream_id), "webhook-timestamp: " + std::to_string(timestamp),
      "webhook-signature: " + webhook_signature_header(signing_secrets(subscription, now),
                                                       message_id(stream_id), timestamp, *body)};
  request.body = *body;
  Attempt attempt{endpoint, stream_id, change->type(), first_round, count, {}};
  sender_->send(std::move(request), [this, attempt = std::move(attempt)](OutboundResult result) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      outcomes_.push_back(attempt);
      outcomes_.back().result = std::move(result);
    }
    outcome_arrived_.notify_one();
  });
}

void Dispatcher::settle_outcomes() {
  std::vector<Id> freed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& outcome : outcomes_) {
      slots_.ended(outcome.endpoint, end_of(outcome.result));
      // A deleted endpoint's standing goes once its last attempt has ended.
      if (!subscriptions_.count(outcome.endpoint)) slots_.forget(outcome.endpoint);
      metrics_->in_flight.add(-1);
      freed.push_back(outcome.endpoint);
      // Stopping: left for the lease or the claim, not recorded as a failure.
      if (outcome.result.error != "stopped") unsettled_.push_back(std::move(outcome));
    }
    outcomes_.clear();
  }
  // Every outcome in one round trip: the rate of deliveries is not bound by
  // Redis' latency.
  std::vector<AttemptRecord> records;
  records.reserve(unsettled_.size());
  for (const auto& attempt : unsettled_) records.push_back(record_of(attempt));
  auto recorded = queue_.record_all(records);
  std::size_t settled = 0;
  while (settled < records.size() && recorded[settled]) {
    settled_one(unsettled_.front(), records[settled], *recorded[settled]);
    unsettled_.pop_front();
    ++settled;
  }
  // An endpoint that has room again takes the next change waiting for it.
  for (Id endpoint : freed) start_waiting(endpoint);
}

AttemptRecord Dispatcher::record_of(const Attempt& attempt) {
  const auto& result = attempt.result;
  std::int64_t now = now_ms();
  AttemptRecord record;
  record.endpoint = attempt.endpoint;
  record.stream_id = attempt.stream_id;
  record.first_round = attempt.first_round;
  record.count = attempt.count;
  record.count.attempts += 1;
  if (record.count.first_attempt_ms == 0) record.count.first_attempt_ms = now;
  std::string outcome;
  std::optional<std::int64_t> next;
  if (delivered(result)) {
    record.health = AttemptRecord::Health::succeeded;
    outcome = "delivered";
  } else if (result.error.empty() && result.status == 410) {
    record.health = AttemptRecord::Health::gone;
    record.disabled_reason = "The endpoint answered 410 Gone.";
    outcome = "disabled";
  } else {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    auto delay = retry_delay(options_.schedule, record.count.attempts,
                             std::chrono::milliseconds(now - record.count.first_attempt_ms),
                             jitter(random_));
    if (delay) {
      next = now + delay->count();
      record.next_attempt_ms = *next;
      outcome = "retrying";
    } else {
      record.health = AttemptRecord::Health::failed_for_good;
      record.disabled_reason = "Deliveries failed for good " +
                               std::to_string(options_.disable_after) + " times in a row.";
      outcome = "failed";
    }
  }
  record.history_entry = history_entry(attempt.stream_id, attempt.type, record.count.attempts, now,
                                       result, outcome, next);
  return record;
}

void Dispatcher::settled_one(const Attempt& attempt, const AttemptRecord& record, bool disabled) {
  if (disabled) metrics_->endpoints_disabled.add();
  if (delivered(attempt.result)) {
    metrics_->attempts_delivered.add();
    if (record.count.attempts == 1 && attempt.first_round)
      metrics_->delivery_latency.observe(static_cast<std::uint64_t>(
          std::max<std::int64_t>(0, now_ms() - stream_id_ms(attempt.stream_id)) * 1000));
  } else {
    metrics_->attempts_failed.add();
    if (record.health == AttemptRecord::Health::failed_for_good) metrics_->changes_failed.add();
  }
  if (attempt.first_round) first_outcome_recorded(attempt.stream_id, attempt.endpoint);
}

void Dispatcher::start_waiting(Id endpoint) {
  auto found = waiting_.find(endpoint);
  while (found != waiting_.end() && !found->second.empty() && slots_.room(endpoint) > 0) {
    Waiting next = std::move(found->second.front());
    found->second.pop_front();
    start(endpoint, next.stream_id, next.change, next.first_round, next.count);
    found = waiting_.find(endpoint);  // start() may have added to it
  }
  if (found != waiting_.end() && found->second.empty()) waiting_.erase(found);
}

void Dispatcher::first_outcome_recorded(const std::string& stream_id, Id endpoint) {
  auto round = first_round_.find(stream_id);
  if (round == first_round_.end()) return;
  round->second.pending.erase(endpoint);
  if (!round->second.pending.empty()) return;
  to_acknowledge_.push_back(stream_id);
  first_round_.erase(round);
}

}  // namespace incident::webhooks
