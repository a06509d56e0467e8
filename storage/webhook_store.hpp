// Webhook subscriptions in Redis: one hash per endpoint, its settings as one
// JSON field beside the fields that change on their own (secrets, the
// delivery side's failure run and disabling), so an edit of the settings
// never undoes what the delivery side recorded, nor the other way round.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/pagination.hpp"
#include "domain/result.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"
#include "webhooks/subscription.hpp"

namespace incident {

struct WebhookPage {
  std::int64_t total = 0;
  std::vector<webhooks::Subscription> items;
};

class WebhookStore {
 public:
  using Subscription = webhooks::Subscription;
  using Done = std::function<void(Result<Subscription>)>;
  /// Computes the new settings from the stored ones (a 4xx leaves them be).
  using Change = std::function<Result<Subscription>(Subscription)>;

  /// Callbacks run on `pipeline`'s I/O thread.
  WebhookStore(RedisPipeline& pipeline, Keys keys) : pipeline_(pipeline), keys_(std::move(keys)) {}

  /// Stores `subscription` under a new id; answers it with that id.
  void create(Subscription subscription, Done done);
  void get(Id id, Done done);
  /// By id, oldest first.
  void list(const PageRequest& page, std::function<void(Result<WebhookPage>)> done);
  /// Applies `change` to the stored settings; an edit of the same endpoint
  /// in between (another request, another process) makes it start again.
  void update(Id id, Change change, Done done);
  /// Answers the endpoint as it was; its delivery history goes with it.
  void remove(Id id, Done done);
  /// `secret` signs from now on; the one it replaces signs too until
  /// `previous_expires_ms` (Unix milliseconds), so receivers can switch over,
  /// and so do the secrets replaced before it whose windows have not ended
  /// at `now_ms`, up to webhooks::kMaxPreviousSecrets in all (newest first).
  void rotate_secret(Id id, std::string secret, std::int64_t now_ms,
                     std::int64_t previous_expires_ms, Done done);

  /// The recent delivery attempts (JSON objects), newest first.
  void deliveries(Id id, std::int64_t limit,
                  std::function<void(Result<std::vector<std::string>>)> done);

 private:
  void update_attempt(Id id, Change change, Done done, int attempts_left);

  RedisPipeline& pipeline_;
  Keys keys_;
};

/// The subscription a webhook hash holds (HGETALL's reply); nullopt when it
/// is missing or unreadable.
std::optional<webhooks::Subscription> decode_webhook_hash(const RedisValue& hash);

/// The previous secrets as the hash's `previous_secrets` field holds them
/// (written by the rotation script): "<secret> <expires ms>" pairs, newest
/// first, separated by spaces. A malformed pair ends the list.
std::vector<webhooks::PreviousSecret> decode_previous_secrets(const std::string& field);

}  // namespace incident
