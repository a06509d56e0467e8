// WebhookStore: each write is one script, so an endpoint is never half
// stored. The settings JSON carries no secret: the secrets live in fields of
// their own, which only creation and rotation write.
#include "storage/webhook_store.hpp"

#include <sstream>

#include "domain/integers.hpp"
#include "storage/scripts.hpp"
#include "storage/store_errors.hpp"

namespace incident {
namespace {

// Every write bumps <p>:webhooks:rev, by which the delivery side of every
// process learns that the endpoints changed before it matches new changes.
// Made or enabled again, an endpoint notes where the change stream ends
// (`starts_after`): in the same step, so it gets exactly the later changes.

// KEYS: 1 endpoint hash, 2 all endpoints, 3 revision, 4 change stream.
// ARGV: 1 id, 2 settings, 3 secret, 4 enabled.
const Script& create_script() {
  static const Script script(std::string(scripts::stream_lua_helpers()) + R"lua(
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'data', ARGV[2], 'secret', ARGV[3], 'enabled', ARGV[4],
           'disabled_reason', '', 'failure_run', 0, 'rev', 1, 'starts_after', stream_end(KEYS[4]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
redis.call('INCR', KEYS[3])
return 'ok'
)lua");
  return script;
}

// KEYS: 1 all endpoints. ARGV: 1 start, 2 stop, 3 endpoint key prefix.
// Returns {total, {hash, ...}}.
const Script& page_script() {
  static const Script script(R"lua(
local total = redis.call('ZCARD', KEYS[1])
local items = {}
if tonumber(ARGV[2]) >= tonumber(ARGV[1]) then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])) do
    items[#items + 1] = redis.call('HGETALL', ARGV[3] .. id)
  end
end
return {total, items}
)lua");
  return script;
}

// KEYS: 1 endpoint hash, 2 revision, 3 its retries, 4 its attempts, 5 change
// stream. ARGV: 1 revision read, 2 settings, 3 enabled ("keep", "1": enable
// again, clearing the failure run, "0": its pending retries go too).
// Returns "ok" | "missing" | "conflict" (edited since it was read).
const Script& update_script() {
  static const Script script(std::string(scripts::stream_lua_helpers()) + R"lua(
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return 'missing' end
if rev ~= ARGV[1] then return 'conflict' end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'rev', tonumber(rev) + 1)
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'enabled', '1', 'disabled_reason', '', 'failure_run', 0,
             'starts_after', stream_end(KEYS[5]))
elseif ARGV[3] == '0' then
  redis.call('HSET', KEYS[1], 'enabled', '0')
  redis.call('DEL', KEYS[3], KEYS[4])
end
redis.call('INCR', KEYS[2])
return 'ok'
)lua");
  return script;
}

// KEYS: 1 endpoint hash, 2 all endpoints, 3 its deliveries, 4 its retries,
// 5 its attempts, 6 revision. ARGV: 1 id.
// Returns the hash as it was (empty when missing).
const Script& delete_script() {
  static const Script script(R"lua(
local hash = redis.call('HGETALL', KEYS[1])
if #hash == 0 then return hash end
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4], KEYS[5])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('INCR', KEYS[6])
return hash
)lua");
  return script;
}

// KEYS: 1 endpoint hash, 2 revision. ARGV: 1 new secret, 2 when the secret
// it replaces stops signing, 3 now (Unix ms), 4 how many previous secrets to
// keep at most. `previous_secrets` holds "<secret> <expires ms>" pairs, newest
// first (decode_previous_secrets): the replaced secret joins at the front,
// those whose window has ended by now leave, and the list is cut at ARGV[4].
// The single previous_secret of an older version is taken in as the oldest.
// Returns the hash after (empty when missing).
const Script& rotate_script() {
  static const Script script(R"lua(
local old = redis.call('HGET', KEYS[1], 'secret')
if not old then return {} end
local listed = redis.call('HGET', KEYS[1], 'previous_secrets') or ''
local legacy = redis.call('HMGET', KEYS[1], 'previous_secret', 'previous_secret_expires_ms')
if legacy[1] and legacy[1] ~= '' then
  listed = listed .. ' ' .. legacy[1] .. ' ' .. (legacy[2] or '0')
end
local kept = {}
if old ~= '' then kept[1] = old .. ' ' .. ARGV[2] end
local now, most = tonumber(ARGV[3]), tonumber(ARGV[4])
for secret, expires in string.gmatch(listed, '(%S+)%s+(%S+)') do
  if #kept < most and (tonumber(expires) or 0) > now then
    kept[#kept + 1] = secret .. ' ' .. expires
  end
end
redis.call('HDEL', KEYS[1], 'previous_secret', 'previous_secret_expires_ms')
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'previous_secrets', table.concat(kept, ' '))
redis.call('INCR', KEYS[2])
return redis.call('HGETALL', KEYS[1])
)lua");
  return script;
}

// KEYS: 1 endpoint hash, 2 its deliveries. ARGV: 1 last index.
// Returns {exists, {attempt, ...}}.
const Script& deliveries_script() {
  static const Script script(R"lua(
return {redis.call('EXISTS', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[1]))}
)lua");
  return script;
}

Error webhook_not_found() { return Error{ErrorKind::not_found, "Webhook not found", {}}; }

/// The settings alone: what `data` holds.
std::string encode_settings(webhooks::Subscription subscription) {
  subscription.secret.clear();
  subscription.previous_secrets.clear();
  subscription.disabled_reason.clear();
  subscription.failure_run = 0;
  return webhooks::encode_subscription(subscription);
}

std::int64_t revision_of(const RedisValue& hash) {
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2)
    if (hash.elements[i].str == "rev") return parse_id(hash.elements[i + 1].str).value_or(0);
  return 0;
}

/// Answers the endpoint a reply holds as a hash, or not found / unavailable.
void answer_hash(const RedisValue& reply, const WebhookStore::Done& done) {
  if (reply.io_failure) return done(storage_unavailable());
  if (reply.is_error()) return done(refused_by_redis(reply, "webhook read"));
  if (reply.elements.empty()) return done(webhook_not_found());
  auto subscription = decode_webhook_hash(reply);
  if (!subscription) return done(corrupt_record("webhook"));
  done(std::move(*subscription));
}

}  // namespace

std::vector<webhooks::PreviousSecret> decode_previous_secrets(const std::string& field) {
  std::vector<webhooks::PreviousSecret> secrets;
  std::istringstream words(field);
  webhooks::PreviousSecret previous;
  std::string expires;
  while (words >> previous.secret >> expires) {
    auto ms = parse_id(expires);
    if (!ms) break;
    previous.expires_ms = *ms;
    secrets.push_back(previous);
  }
  return secrets;
}

std::optional<webhooks::Subscription> decode_webhook_hash(const RedisValue& hash) {
  const std::string* data = nullptr;
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2)
    if (hash.elements[i].str == "data") data = &hash.elements[i + 1].str;
  if (!data) return std::nullopt;
  auto subscription = webhooks::decode_subscription(*data);
  if (!subscription) return std::nullopt;
  webhooks::PreviousSecret legacy;  // the one field of an older version
  for (std::size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& field = hash.elements[i].str;
    const std::string& value = hash.elements[i + 1].str;
    if (field == "id") {
      auto id = parse_id(value);
      if (!id) return std::nullopt;
      subscription->id = *id;
    } else if (field == "secret") {
      subscription->secret = value;
    } else if (field == "previous_secrets") {
      subscription->previous_secrets = decode_previous_secrets(value);
    } else if (field == "previous_secret") {
      legacy.secret = value;
    } else if (field == "previous_secret_expires_ms") {
      legacy.expires_ms = parse_id(value).value_or(0);
    } else if (field == "enabled") {
      subscription->enabled = value == "1";
    } else if (field == "disabled_reason") {
      subscription->disabled_reason = value;
    } else if (field == "failure_run") {
      subscription->failure_run = parse_id(value).value_or(0);
    } else if (field == "starts_after") {
      subscription->starts_after = value;
    }
  }
  // A rotation moves it into the list; until then it signs as the oldest.
  if (!legacy.secret.empty()) subscription->previous_secrets.push_back(std::move(legacy));
  return subscription;
}

void WebhookStore::create(Subscription subscription, Done done) {
  pipeline_.submit({"INCR", keys_.webhook_next_id()},
                   [this, subscription = std::move(subscription),
                    done = std::move(done)](const RedisValue& reply) mutable {
                     if (reply.type != RedisValue::Type::integer)
                       return done(storage_unavailable());
                     subscription.id = reply.integer;
                     std::string id = std::to_string(subscription.id);
                     pipeline_.eval(create_script(),
                                    {keys_.webhook(subscription.id), keys_.webhooks_all(),
                                     keys_.webhooks_revision(), keys_.change_stream()},
                                    {id, encode_settings(subscription), subscription.secret,
                                     subscription.enabled ? "1" : "0"},
                                    [subscription, done](const RedisValue& created) {
                                      if (created.io_failure) return done(write_failure(created));
                                      if (created.is_error())
                                        return done(refused_by_redis(created, "webhook create"));
                                      done(subscription);
                                    });
                   });
}

void WebhookStore::get(Id id, Done done) {
  pipeline_.submit({"HGETALL", keys_.webhook(id)},
                   [done = std::move(done)](const RedisValue& reply) { answer_hash(reply, done); });
}

void WebhookStore::list(const PageRequest& page, std::function<void(Result<WebhookPage>)> done) {
  long long start = page.offset(), stop = start + page.per_page - 1;
  pipeline_.eval(page_script(), {keys_.webhooks_all()},
                 {std::to_string(start), std::to_string(stop), keys_.webhook_prefix()},
                 [done = std::move(done)](const RedisValue& reply) {
                   if (auto error = error_in_array_reply(reply, "webhook page"))
                     return done(*error);
                   if (reply.elements.size() != 2) return done(storage_unavailable());
                   WebhookPage result;
                   result.total = reply.elements[0].integer;
                   for (const auto& hash : reply.elements[1].elements)
                     if (auto subscription = decode_webhook_hash(hash))
                       result.items.push_back(std::move(*subscription));
                   done(std::move(result));
                 });
}

void WebhookStore::update(Id id, Change change, Done done) {
  update_attempt(id, std::move(change), std::move(done), 8);
}

void WebhookStore::update_attempt(Id id, Change change, Done done, int attempts_left) {
  pipeline_.submit(
      {"HGETALL", keys_.webhook(id)}, [this, id, change = std::move(change), done = std::move(done),
                                       attempts_left](const RedisValue& reply) {
        if (reply.io_failure) return done(storage_unavailable());
        if (reply.is_error()) return done(refused_by_redis(reply, "webhook read"));
        if (reply.elements.empty()) return done(webhook_not_found());
        auto current = decode_webhook_hash(reply);
        if (!current) return done(corrupt_record("webhook"));
        auto changed = change(*current);
        if (!changed) return done(changed.error());
        changed->id = id;
        const char* enabled = changed->enabled == current->enabled ? "keep"
                              : changed->enabled                   ? "1"
                                                                   : "0";
        pipeline_.eval(
            update_script(),
            {keys_.webhook(id), keys_.webhooks_revision(), keys_.webhook_retries(id),
             keys_.webhook_attempts(id), keys_.change_stream()},
            {std::to_string(revision_of(reply)), encode_settings(*changed), enabled},
            [this, id, change, done, attempts_left](const RedisValue& updated) {
              if (updated.io_failure) return done(write_failure(updated));
              if (updated.is_error()) return done(refused_by_redis(updated, "webhook update"));
              if (updated.str == "missing") return done(webhook_not_found());
              if (updated.str == "conflict") {
                if (attempts_left <= 1)
                  return done(Error{ErrorKind::conflict, "Webhook edited concurrently; retry", {}});
                return update_attempt(id, change, done, attempts_left - 1);
              }
              get(id, done);
            });
      });
}

void WebhookStore::remove(Id id, Done done) {
  pipeline_.eval(delete_script(),
                 {keys_.webhook(id), keys_.webhooks_all(), keys_.webhook_deliveries(id),
                  keys_.webhook_retries(id), keys_.webhook_attempts(id), keys_.webhooks_revision()},
                 {std::to_string(id)}, [done = std::move(done)](const RedisValue& reply) {
                   if (reply.io_failure) return done(write_failure(reply));
                   answer_hash(reply, done);
                 });
}

void WebhookStore::rotate_secret(Id id, std::string secret, std::int64_t now_ms,
                                 std::int64_t previous_expires_ms, Done done) {
  pipeline_.eval(rotate_script(), {keys_.webhook(id), keys_.webhooks_revision()},
                 {std::move(secret), std::to_string(previous_expires_ms), std::to_string(now_ms),
                  std::to_string(webhooks::kMaxPreviousSecrets)},
                 [done = std::move(done)](const RedisValue& reply) {
                   if (reply.io_failure) return done(write_failure(reply));
                   answer_hash(reply, done);
                 });
}

void WebhookStore::deliveries(Id id, std::int64_t limit,
                              std::function<void(Result<std::vector<std::string>>)> done) {
  pipeline_.eval(deliveries_script(), {keys_.webhook(id), keys_.webhook_deliveries(id)},
                 {std::to_string(limit - 1)}, [done = std::move(done)](const RedisValue& reply) {
                   if (auto error = error_in_array_reply(reply, "webhook deliveries"))
                     return done(*error);
                   if (reply.elements.size() != 2) return done(storage_unavailable());
                   if (reply.elements[0].integer == 0) return done(webhook_not_found());
                   std::vector<std::string> attempts;
                   for (const auto& attempt : reply.elements[1].elements)
                     attempts.push_back(attempt.str);
                   done(std::move(attempts));
                 });
}

}  // namespace incident
