// WebhookQueue: XREADGROUP / XAUTOCLAIM / XACK on the change stream, and one
// script per attempt so its history, the change's progress and the
// endpoint's health move together. Any failure drops the connection (the
// next ready() reopens it wherever the primary is); nothing is acknowledged
// then, so the worst a failure costs is a change delivered twice.
#include "storage/webhook_queue.hpp"

#include <hiredis/hiredis.h>

#include <thread>

#include "config/log.hpp"
#include "domain/feed_view.hpp"
#include "domain/integers.hpp"
#include "storage/scripts.hpp"
#include "storage/sentinel_client.hpp"
#include "storage/webhook_store.hpp"

namespace incident {
namespace {

// How long the progress of a change's first round outlives its last write,
// and how many attempts an endpoint's history keeps.
constexpr int kProgressSeconds = 3600;
constexpr int kHistoryLength = 100;

// KEYS: 1 endpoint hash, 2 its deliveries, 3 the change's progress, 4 its
//       retries, 5 its attempts, 6 the endpoints' revision.
// ARGV: 1 history entry, 2 endpoint id, 3 first round ("1"|"0"), 4 next
//       attempt ms ("0": none), 5 stream id, 6 attempt count, 7 health
//       ("keep", "succeeded", "failed_for_good", "gone"), 8 disable after,
//       9 reason to disable, 10 history length, 11 progress seconds.
// An endpoint deleted meanwhile keeps nothing. Returns 1 when this attempt
// disabled the endpoint (its retries then go).
const Script& record_script() {
  static const Script script(R"lua(
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[3], ARGV[2], 'done')
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[11]))
end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[10]) - 1)
if ARGV[4] ~= '0' and redis.call('HGET', KEYS[1], 'enabled') == '1' then
  redis.call('ZADD', KEYS[4], tonumber(ARGV[4]), ARGV[5])
  redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])
else
  redis.call('ZREM', KEYS[4], ARGV[5])
  redis.call('HDEL', KEYS[5], ARGV[5])
end
local disable = false
if ARGV[7] == 'succeeded' then
  if redis.call('HGET', KEYS[1], 'failure_run') ~= '0' then
    redis.call('HSET', KEYS[1], 'failure_run', 0)
  end
elseif ARGV[7] == 'failed_for_good' then
  disable = redis.call('HINCRBY', KEYS[1], 'failure_run', 1) >= tonumber(ARGV[8])
elseif ARGV[7] == 'gone' then
  disable = true
end
if disable and redis.call('HGET', KEYS[1], 'enabled') == '1' then
  redis.call('HSET', KEYS[1], 'enabled', '0', 'disabled_reason', ARGV[9])
  redis.call('DEL', KEYS[4], KEYS[5])
  redis.call('INCR', KEYS[6])
  return 1
end
return 0
)lua");
  return script;
}

// KEYS: 1 endpoint hash, 2 its retries, 3 its attempts, 4 the change's progress.
// ARGV: 1 stream id, 2 due ms, 3 attempt count, 4 endpoint id, 5 first round,
//       6 progress seconds.
const Script& defer_script() {
  static const Script script(R"lua(
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[4], ARGV[4], 'done')
  redis.call('EXPIRE', KEYS[4], tonumber(ARGV[6]))
end
if redis.call('HGET', KEYS[1], 'enabled') ~= '1' then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[3])
return 1
)lua");
  return script;
}

// ARGV: 1 endpoint key prefix, 2 now ms, 3 lease ends ms, 4 change stream,
//       then pairs of endpoint id and how many it wants.
// Returns {endpoint, stream id, attempt count or "", data or ""} per retry taken.
const Script& take_due_script() {
  static const Script script(R"lua(
local taken = {}
for i = 5, #ARGV, 2 do
  local retries = ARGV[1] .. ARGV[i] .. ':retries'
  local attempts = ARGV[1] .. ARGV[i] .. ':attempts'
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', retries, '-inf', ARGV[2], 'LIMIT', 0,
                                 tonumber(ARGV[i + 1]))) do
    redis.call('ZADD', retries, tonumber(ARGV[3]), id)
    local data = ''
    local entry = redis.call('XRANGE', ARGV[4], id, id)
    if entry[1] then
      local fields = entry[1][2]
      for f = 1, #fields, 2 do
        if fields[f] == 'data' then data = fields[f + 1] end
      end
    end
    taken[#taken + 1] = {ARGV[i], id, redis.call('HGET', attempts, id) or '', data}
  end
end
return taken
)lua");
  return script;
}

// KEYS: 1 all endpoints. ARGV: 1 endpoint key prefix. Every endpoint's hash.
const Script& all_script() {
  static const Script script(R"lua(
local items = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  items[#items + 1] = redis.call('HGETALL', ARGV[1] .. id)
end
return items
)lua");
  return script;
}

// KEYS: 1 change stream, 2 endpoints' revision. ARGV: 1 group, 2 revision
// expected. Moves the group past every change in the stream if no endpoint
// changed since the caller saw none enabled: checked in the same step, so no
// change committed after an endpoint was made is passed over. Returns the
// number of changes passed over (1 when Redis cannot tell how many), -1 when
// the revision moved, -2 when the group is missing.
const Script& skip_script() {
  static const Script script(std::string(scripts::stream_lua_helpers()) + R"lua(
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(ARGV[2]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
local group
for _, entry in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  if field(entry, 'name') == ARGV[1] then group = entry end
end
if not group then return -2 end
local stream = redis.call('XINFO', 'STREAM', KEYS[1])
local last = field(stream, 'last-generated-id')
local delivered = field(group, 'last-delivered-id')
if not before(delivered, last) then return 0 end
local added = field(stream, 'entries-added')
if added == nil then
  redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], last)  -- Redis 6.2: no read counter
  return 1
end
local lag = field(group, 'lag')  -- how many it has not read (false: Redis cannot tell)
redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], last, 'ENTRIESREAD',
           string.format('%.0f', added))
if type(lag) == 'number' then return lag end
return 1
)lua");
  return script;
}

std::string encode_count(const AttemptCount& count) {
  return std::to_string(count.attempts) + ":" + std::to_string(count.first_attempt_ms);
}

AttemptCount decode_count(const std::string& text) {
  AttemptCount count;
  auto colon = text.find(':');
  if (colon == std::string::npos) return count;
  count.attempts = static_cast<int>(parse_id(text.substr(0, colon)).value_or(0));
  count.first_attempt_ms = parse_id(text.substr(colon + 1)).value_or(0);
  return count;
}

const char* health_name(AttemptRecord::Health health) {
  switch (health) {
    case AttemptRecord::Health::succeeded:
      return "succeeded";
    case AttemptRecord::Health::failed_for_good:
      return "failed_for_good";
    case AttemptRecord::Health::gone:
      return "gone";
    case AttemptRecord::Health::keep:
      break;
  }
  return "keep";
}

}  // namespace

WebhookQueue::WebhookQueue(std::shared_ptr<PrimaryLocator> locator, Keys keys, std::string consumer,
                           std::int64_t disable_after)
    : locator_(std::move(locator)),
      keys_(std::move(keys)),
      consumer_(std::move(consumer)),
      disable_after_(disable_after) {}

WebhookQueue::~WebhookQueue() {
  if (context_) redisFree(context_);
}

bool WebhookQueue::ready() {
  if (context_ && locator_->generation() != generation_) {
    redisFree(context_);
    context_ = nullptr;
  }
  if (context_) return true;
  // Replies may take a whole XREADGROUP BLOCK: the bound must exceed it.
  context_ = connect_primary(*locator_, std::chrono::seconds(1), reached_, generation_);
  if (!context_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return false;
  }
  // From the stream's end when the group is new: the changes before the
  // first process that delivers webhooks had no endpoint to go to.
  auto made =
      run({"XGROUP", "CREATE", keys_.change_stream(), Keys::webhook_group(), "$", "MKSTREAM"});
  if (!made || (made->is_error() && made->str.rfind("BUSYGROUP", 0) != 0)) {
    if (made) log_warning("webhooks: cannot make the consumer group: " + made->str);
    if (context_) redisFree(context_);
    context_ = nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return false;
  }
  ++connections_;
  return true;
}

std::optional<RedisValue> WebhookQueue::run(const std::vector<std::string>& argv) {
  if (!context_) return std::nullopt;
  RedisValue reply = run_command(context_, argv);
  if (reply.io_failure || (reply.is_error() && (reply.str.rfind("READONLY", 0) == 0 ||
                                                reply.str.rfind("LOADING", 0) == 0))) {
    drop_connection(reply);
    return std::nullopt;
  }
  return reply;
}

void WebhookQueue::drop_connection(const RedisValue& failure) {
  log_warning("webhooks: Redis failed (" + failure.str + "), reconnecting");
  locator_->distrust(reached_);
  redisFree(context_);
  context_ = nullptr;
}

std::optional<RedisValue> WebhookQueue::eval(const Script& script,
                                             const std::vector<std::string>& keys,
                                             const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVALSHA", script.sha1, std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto reply = run(argv);
  if (reply && reply->is_error() && reply->str.rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = script.source;
    reply = run(argv);
  }
  return reply;
}

std::vector<QueuedChange> WebhookQueue::changes_of(const RedisValue& entries) {
  std::vector<QueuedChange> changes;
  for (const auto& entry : entries.elements) {
    if (entry.elements.empty()) continue;
    QueuedChange change{entry.elements[0].str, ""};
    if (entry.elements.size() > 1)
      for (std::size_t i = 0; i + 1 < entry.elements[1].elements.size(); i += 2)
        if (entry.elements[1].elements[i].str == "data")
          change.data = entry.elements[1].elements[i + 1].str;
    changes.push_back(std::move(change));
  }
  return changes;
}

std::vector<QueuedChange> WebhookQueue::read_new(std::size_t count,
                                                 std::chrono::milliseconds block) {
  return read_group({"XREADGROUP", "GROUP", Keys::webhook_group(), consumer_, "COUNT",
                     std::to_string(count), "BLOCK", std::to_string(block.count()), "STREAMS",
                     keys_.change_stream(), ">"});
}

std::vector<QueuedChange> WebhookQueue::read_new_now(std::size_t count) {
  return read_group({"XREADGROUP", "GROUP", Keys::webhook_group(), consumer_, "COUNT",
                     std::to_string(count), "STREAMS", keys_.change_stream(), ">"});
}

std::vector<QueuedChange> WebhookQueue::read_group(const std::vector<std::string>& command) {
  auto reply = run(command);
  if (!reply) return {};
  if (reply->is_error()) {
    // The stream or the group was deleted (an emptied Redis): make it again.
    if (reply->str.rfind("NOGROUP", 0) == 0) {
      redisFree(context_);
      context_ = nullptr;
    } else {
      log_warning("webhooks: read refused: " + reply->str);
    }
    return {};
  }
  if (reply->type != RedisValue::Type::array || reply->elements.empty()) return {};
  return changes_of(reply->elements[0].elements[1]);
}

std::vector<QueuedChange> WebhookQueue::claim_idle(std::chrono::milliseconds min_idle,
                                                   std::size_t count) {
  auto reply =
      run({"XAUTOCLAIM", keys_.change_stream(), Keys::webhook_group(), consumer_,
           std::to_string(min_idle.count()), claim_cursor_, "COUNT", std::to_string(count)});
  if (!reply || reply->type != RedisValue::Type::array || reply->elements.size() < 2) return {};
  // Redis looks at a bounded part of the pending entries per call: go on
  // from where it stopped next time, round and round.
  claim_cursor_ = reply->elements[0].str.empty() ? "0-0" : reply->elements[0].str;
  auto changes = changes_of(reply->elements[1]);
  // Ids whose entries the stream no longer holds (trimmed): Redis 7 drops
  // them from the group and lists them third; they can only fail.
  if (reply->elements.size() > 2)
    for (const auto& gone : reply->elements[2].elements) changes.push_back({gone.str, ""});
  return changes;
}

void WebhookQueue::keep_held(const std::vector<std::string>& stream_ids) {
  if (stream_ids.empty()) return;
  std::vector<std::string> argv = {"XCLAIM", keys_.change_stream(), Keys::webhook_group(),
                                   consumer_, "0"};
  argv.insert(argv.end(), stream_ids.begin(), stream_ids.end());
  argv.push_back("JUSTID");
  run(argv);
}

std::vector<QueuedChange> WebhookQueue::read_range(const std::string& from, const std::string& last,
                                                   std::size_t count) {
  auto reply = run({"XRANGE", keys_.change_stream(), from, last, "COUNT", std::to_string(count)});
  if (!reply || reply->type != RedisValue::Type::array) return {};
  return changes_of(*reply);
}

std::optional<std::string> WebhookQueue::newest_id() {
  auto reply = run({"XREVRANGE", keys_.change_stream(), "+", "-", "COUNT", "1"});
  if (!reply || reply->type != RedisValue::Type::array) return std::nullopt;
  if (reply->elements.empty()) return "0-0";
  return reply->elements[0].elements[0].str;
}

std::optional<std::vector<webhooks::Subscription>> WebhookQueue::load_subscriptions() {
  auto reply = eval(all_script(), {keys_.webhooks_all()}, {keys_.webhook_prefix()});
  if (!reply || reply->type != RedisValue::Type::array) return std::nullopt;
  std::vector<webhooks::Subscription> subscriptions;
  for (const auto& hash : reply->elements)
    if (auto subscription = decode_webhook_hash(hash))
      subscriptions.push_back(std::move(*subscription));
  return subscriptions;
}

namespace {

/// The value of `name` in a flat [name, value, ...] reply, or nullptr.
const RedisValue* field_of(const RedisValue& flat, const std::string& name) {
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
    if (flat.elements[i].str == name) return &flat.elements[i + 1];
  return nullptr;
}

}  // namespace

std::optional<std::int64_t> WebhookQueue::unread_trimmed(std::string& noted_after) {
  auto stream = run({"XINFO", "STREAM", keys_.change_stream()});
  auto groups = run({"XINFO", "GROUPS", keys_.change_stream()});
  if (!stream || !groups || stream->is_error() || groups->is_error()) return std::nullopt;
  const RedisValue* group = nullptr;
  for (const auto& entry : groups->elements) {
    auto name = field_of(entry, "name");
    if (name && name->str == Keys::webhook_group()) group = &entry;
  }
  auto first = field_of(*stream, "first-entry");
  auto length = field_of(*stream, "length");
  auto added = field_of(*stream, "entries-added");
  if (!group || !first || !length || first->elements.empty()) return 0;
  auto delivered = field_of(*group, "last-delivered-id");
  auto read = field_of(*group, "entries-read");
  // A group that read nothing yet has no position to compare (Redis 7.0's
  // XTRIM leaves no trace of what it removed).
  if (!delivered || delivered->str == "0-0") return 0;
  // Trimming keeps the newest entries, so while nothing unread was trimmed
  // the oldest entry kept is at most the group's position (or the very next
  // one, when every read entry is gone: then the stream is as long as the
  // group is behind, a loss about to happen, and reported as one).
  const std::string& oldest = first->elements[0].str;
  if (compare_stream_ids(oldest, delivered->str) <= 0 || delivered->str == noted_after) return 0;
  noted_after = delivered->str;
  if (!added || !read || read->type != RedisValue::Type::integer)
    return -1;  // some, how many unknown
  return std::max<long long>(1, added->integer - read->integer - length->integer);
}

std::optional<std::int64_t> WebhookQueue::skip_unread(std::int64_t revision) {
  // Refused (a Redis out of memory, say): the changes are read instead for a
  // while, and that is said once until it works again.
  auto now = std::chrono::steady_clock::now();
  if (now < skip_refused_until_) return std::nullopt;
  auto reply = eval(skip_script(), {keys_.change_stream(), keys_.webhooks_revision()},
                    {Keys::webhook_group(), std::to_string(revision)});
  if (!reply || reply->type != RedisValue::Type::integer) {
    if (reply && !skip_refused_) log_warning("webhooks: cannot pass over changes: " + reply->str);
    if (reply) skip_refused_ = true;
    skip_refused_until_ = now + std::chrono::seconds(5);
    return std::nullopt;
  }
  skip_refused_ = false;
  if (reply->integer == -2) {  // an emptied Redis: make the group again
    redisFree(context_);
    context_ = nullptr;
    return std::nullopt;
  }
  if (reply->integer < 0) return std::nullopt;
  return reply->integer;
}

std::optional<std::int64_t> WebhookQueue::subscriptions_revision() {
  auto reply = run({"GET", keys_.webhooks_revision()});
  if (!reply || reply->is_error()) return std::nullopt;
  if (reply->type == RedisValue::Type::nil) return 0;
  return parse_id(reply->str).value_or(-1);
}

std::set<Id> WebhookQueue::first_round_done(const std::string& stream_id) {
  std::set<Id> done;
  auto reply = run({"HKEYS", keys_.webhook_progress(stream_id)});
  if (!reply) return done;
  for (const auto& field : reply->elements)
    if (auto id = parse_id(field.str)) done.insert(*id);
  return done;
}

bool WebhookQueue::defer(Id endpoint, const std::string& stream_id, std::int64_t due_ms,
                         AttemptCount count, bool first_round) {
  auto reply =
      eval(defer_script(),
           {keys_.webhook(endpoint), keys_.webhook_retries(endpoint),
            keys_.webhook_attempts(endpoint), keys_.webhook_progress(stream_id)},
           {stream_id, std::to_string(due_ms), encode_count(count), std::to_string(endpoint),
            first_round ? "1" : "0", std::to_string(kProgressSeconds)});
  return reply && !reply->is_error();
}

std::vector<DueRetry> WebhookQueue::take_due(const std::map<Id, std::size_t>& wanted,
                                             std::int64_t now_ms, std::int64_t lease_ms) {
  std::vector<DueRetry> taken;
  if (wanted.empty()) return taken;
  std::vector<std::string> args = {keys_.webhook_prefix(), std::to_string(now_ms),
                                   std::to_string(now_ms + lease_ms), keys_.change_stream()};
  for (const auto& [endpoint, count] : wanted) {
    args.push_back(std::to_string(endpoint));
    args.push_back(std::to_string(count));
  }
  auto reply = eval(take_due_script(), {}, args);
  if (!reply || reply->type != RedisValue::Type::array) return taken;
  for (const auto& item : reply->elements) {
    if (item.elements.size() != 4) continue;
    DueRetry retry;
    retry.endpoint = parse_id(item.elements[0].str).value_or(0);
    retry.stream_id = item.elements[1].str;
    retry.count = decode_count(item.elements[2].str);
    retry.data = item.elements[3].str;
    taken.push_back(std::move(retry));
  }
  return taken;
}

std::vector<std::string> WebhookQueue::record_command(const AttemptRecord& record) const {
  return {"EVALSHA",
          record_script().sha1,
          "6",
          keys_.webhook(record.endpoint),
          keys_.webhook_deliveries(record.endpoint),
          keys_.webhook_progress(record.stream_id),
          keys_.webhook_retries(record.endpoint),
          keys_.webhook_attempts(record.endpoint),
          keys_.webhooks_revision(),
          record.history_entry,
          std::to_string(record.endpoint),
          record.first_round ? "1" : "0",
          std::to_string(record.next_attempt_ms),
          record.stream_id,
          encode_count(record.count),
          health_name(record.health),
          std::to_string(disable_after_),
          record.disabled_reason,
          std::to_string(kHistoryLength),
          std::to_string(kProgressSeconds)};
}

std::optional<bool> WebhookQueue::record(const AttemptRecord& record) {
  return record_all({record}).front();
}

std::vector<std::optional<bool>> WebhookQueue::record_all(
    const std::vector<AttemptRecord>& records) {
  std::vector<std::optional<bool>> outcomes(records.size());
  if (records.empty() || !context_) return outcomes;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(records.size());
  for (const auto& record : records) commands.push_back(record_command(record));
  auto replies = run_commands(context_, commands);
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& reply = replies[i];
    if (reply.io_failure || (reply.is_error() && (reply.str.rfind("READONLY", 0) == 0 ||
                                                  reply.str.rfind("LOADING", 0) == 0))) {
      drop_connection(reply);
      return outcomes;
    }
    // Redis lost the script (restarted, or SCRIPT FLUSH): this one the slow way.
    if (reply.is_error() && reply.str.rfind("NOSCRIPT", 0) == 0) {
      auto again = run(commands[i]);
      if (again && again->is_error() && again->str.rfind("NOSCRIPT", 0) == 0) {
        auto loaded = run({"SCRIPT", "LOAD", record_script().source});
        if (!loaded) return outcomes;
        again = run(commands[i]);
      }
      if (!again) return outcomes;
      reply = std::move(*again);
    }
    if (!reply.is_error()) outcomes[i] = reply.integer == 1;
  }
  return outcomes;
}

bool WebhookQueue::acknowledge(const std::vector<std::string>& stream_ids) {
  if (stream_ids.empty()) return true;
  std::vector<std::string> ack = {"XACK", keys_.change_stream(), Keys::webhook_group()};
  ack.insert(ack.end(), stream_ids.begin(), stream_ids.end());
  std::vector<std::string> forget = {"DEL"};
  for (const auto& id : stream_ids) forget.push_back(keys_.webhook_progress(id));
  auto acked = run(ack);
  if (!acked || acked->is_error()) return false;
  run(forget);
  return true;
}

}  // namespace incident
