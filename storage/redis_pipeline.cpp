// The pipelined Redis connection: batches queued commands, reconnects with
// backoff, and fails fast (io_failure) while Redis is unreachable.
#include "storage/redis_pipeline.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <cstdio>
#include <iterator>

#include "config/log.hpp"
#include "config/thread_name.hpp"
#include "storage/resp_command.hpp"
#include "storage/sentinel_client.hpp"

namespace incident {
namespace {

constexpr std::size_t kMaxBatch = 512;
/// Commands waiting beyond this are failed at once (a backstop: the HTTP
/// front admits far fewer requests than this at a time, but a stalled Redis
/// must never make the queue grow without end).
constexpr std::size_t kMaxQueued = 65536;
constexpr auto kReconnectBackoff = std::chrono::milliseconds(250);

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  char hex[2 * SHA_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  return std::string(hex, 2 * SHA_DIGEST_LENGTH);
}

}  // namespace

Script::Script(std::string text) : source(std::move(text)), sha1(sha1_hex(source)) {}

RedisPipeline::RedisPipeline(std::shared_ptr<PrimaryLocator> locator,
                             std::chrono::milliseconds timeout, ConnectCheck check,
                             ReplyExecutor executor, ReplicaAck ack,
                             std::shared_ptr<metrics::PipelineMetrics> metrics)
    : locator_(std::move(locator)),
      timeout_(timeout),
      check_(std::move(check)),
      executor_(std::move(executor)),
      ack_(ack),
      metrics_(std::move(metrics)),
      thread_([this] {
        name_this_thread("redis.pipeline");
        run();
      }) {}

RedisPipeline::RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds timeout,
                             ConnectCheck check, ReplyExecutor executor)
    : RedisPipeline(std::make_shared<FixedLocator>(std::move(endpoint)), timeout, std::move(check),
                    std::move(executor)) {}

RedisPipeline::~RedisPipeline() { stop(); }

void RedisPipeline::submit(std::vector<std::string> argv, RedisCallback callback) {
  enqueue(Command{std::move(argv), nullptr, std::move(callback), {}});
}

void RedisPipeline::eval(const Script& script, std::vector<std::string> keys,
                         std::vector<std::string> args, RedisCallback callback) {
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.insert(argv.end(), {"EVALSHA", script.sha1, std::to_string(keys.size())});
  std::move(keys.begin(), keys.end(), std::back_inserter(argv));
  std::move(args.begin(), args.end(), std::back_inserter(argv));
  enqueue(Command{std::move(argv), &script, std::move(callback), {}});
}

void RedisPipeline::transaction(std::vector<std::vector<std::string>> commands,
                                RedisCallback callback) {
  enqueue(Command{{}, nullptr, std::move(callback), std::move(commands)});
}

void RedisPipeline::enqueue(Command command) {
  bool stopping = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping = stopping_;
    if (!stopping && queue_.size() < kMaxQueued) {
      queue_.push_back(std::move(command));
      wake_.notify_one();
      return;
    }
  }
  run_callback(command, RedisValue::unsent(stopping ? "storage is shutting down"
                                                    : "too many storage commands waiting"));
}

void RedisPipeline::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  disconnect();
  std::unique_lock<std::shared_mutex> closing(gate_->mutex);
  gate_->open = false;
}

void RedisPipeline::run() {
  for (;;) {
    bool stopping = false;
    std::vector<Command> batch = take_batch(stopping);
    if (batch.empty()) return;  // stopping and drained
    if (stopping) {
      // What was queued when the stop came fails at once: with Redis
      // stalled, sending it could hold the stop for a timeout per batch.
      for (auto& command : batch)
        run_callback(command, RedisValue::unsent("storage is shutting down"));
      continue;
    }
    // The primary moved (a failover): what this connection reaches may
    // refuse writes, or worse, take writes the new primary never sees.
    if (context_ && locator_->generation() != connected_generation_) {
      disconnect();
      next_connect_attempt_ = {};  // nothing failed: connect to it at once
    }
    if (!ensure_connected()) {
      for (auto& command : batch) run_callback(command, RedisValue::unsent("storage unreachable"));
      continue;
    }
    execute(batch);
  }
}

std::vector<RedisPipeline::Command> RedisPipeline::take_batch(bool& stopping) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  stopping = stopping_;
  std::vector<Command> batch;
  while (!queue_.empty() && batch.size() < kMaxBatch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

bool RedisPipeline::ensure_connected() {
  if (context_) return true;
  auto now = std::chrono::steady_clock::now();
  if (now < next_connect_attempt_) return false;
  next_connect_attempt_ = now + kReconnectBackoff;
  context_ = connect_primary(*locator_, timeout_, connected_to_, connected_generation_);
  if (context_ && check_ && !check_(context_)) disconnect();
  if (metrics_) (context_ ? metrics_->connects : metrics_->connect_failures).add();
  // WAIT may hold a reply for its whole timeout on top of the usual bound.
  if (context_ && ack_.replicas > 0) set_reply_timeout(context_, timeout_ + ack_.timeout);
  return context_ != nullptr;
}

std::size_t RedisPipeline::replies_of(const Command& command) {
  return command.queued.empty() ? 1 : command.queued.size() + 2;  // MULTI, QUEUED..., EXEC
}

void RedisPipeline::write(const Command& command, std::string& out) {
  if (command.queued.empty()) return append_resp_command(out, command.argv);
  append_resp_command(out, {"MULTI"});
  for (const auto& argv : command.queued) append_resp_command(out, argv);
  append_resp_command(out, {"EXEC"});
}

bool RedisPipeline::read_reply(const Command& command, RedisValue& value) {
  // A transaction's MULTI and QUEUED replies are skipped: when one of them is
  // an error, EXEC itself answers EXECABORT.
  for (std::size_t n = replies_of(command); n > 0; --n) {
    void* raw = nullptr;
    if (!context_ || redisGetReply(context_, &raw) != REDIS_OK || !raw) return false;
    auto* reply = static_cast<redisReply*>(raw);
    if (n == 1) value = copy_reply(reply);
    freeReplyObject(reply);
  }
  return true;
}

namespace {

/// A write refused because the server is a replica now (a failover): it did
/// not run, so it is as safe to retry as one never sent.
bool refused_as_replica(const RedisValue& value) {
  return value.is_error() && value.str.find("READONLY") != std::string::npos;
}

}  // namespace

void RedisPipeline::execute(std::vector<Command>& batch) {
  std::string out;
  for (const auto& command : batch) write(command, out);
  if (metrics_) {
    metrics_->commands.add(batch.size());
    metrics_->round_trips.add();
    metrics_->batch.observe(batch.size());
  }
  const bool acked = ack_.replicas > 0;
  const bool marked = acked && !ack_.marker_key.empty();
  if (marked) append_resp_command(out, {"INCR", ack_.marker_key});
  if (acked)
    append_resp_command(
        out, {"WAIT", std::to_string(ack_.replicas), std::to_string(ack_.timeout.count())});
  redisAppendFormattedCommand(context_, out.data(), out.size());
  std::vector<Command> retries;
  // Replies held until the WAIT says whether the writes are replicated.
  std::vector<std::pair<std::size_t, RedisValue>> held;
  bool replica = false;
  auto fail_unanswered = [&](std::size_t from, const char* why) {
    for (auto& [index, value] : held) run_callback(batch[index], RedisValue::failure(why));
    for (std::size_t j = from; j < batch.size(); ++j)
      run_callback(batch[j], RedisValue::failure(why));
    for (auto& retry : retries) run_callback(retry, RedisValue::unsent(why));
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    RedisValue value;
    if (!read_reply(batch[i], value)) {
      if (context_) log_warning(std::string("redis: connection lost: ") + context_->errstr);
      drop_connection();
      return fail_unanswered(i, "storage unreachable");
    }
    bool lost_script = value.is_error() && value.str.rfind("NOSCRIPT", 0) == 0;
    if (lost_script && batch[i].script) {
      batch[i].argv[0] = "EVAL";  // same keys and arguments, with the source
      batch[i].argv[1] = batch[i].script->source;
      batch[i].script = nullptr;
      retries.push_back(std::move(batch[i]));
      continue;
    }
    if (refused_as_replica(value)) {
      // Told before the caller learns of the refusal: its retry must not
      // come back here.
      if (!replica) locator_->distrust(connected_to_);
      replica = true;
      value = RedisValue::unsent("storage is read-only: a failover is in progress");
    }
    if (acked && !value.is_error())
      held.emplace_back(i, std::move(value));
    else
      run_callback(batch[i], std::move(value));
  }
  if (acked) {
    bool connection_ok = true;
    RedisValue marker;
    if (marked && !read_reply(Command{}, marker)) {
      drop_connection();
      return fail_unanswered(batch.size(), "storage unreachable");
    }
    // A script that wrote nothing runs on a replica too: the marker (or the
    // WAIT, which replicas refuse) is what tells this is no primary.
    replica = replica || refused_as_replica(marker);
    bool confirmed = replicas_confirmed(connection_ok, replica);
    if (!connection_ok) return fail_unanswered(batch.size(), "storage unreachable");
    for (auto& [index, value] : held)
      run_callback(batch[index],
                   confirmed ? std::move(value)
                             : RedisValue::failure("not confirmed by enough replicas in time"));
  }
  if (replica) {
    log_warning("redis: " + connected_to_.describe() + " refused writes as a replica");
    drop_connection();
    for (auto& retry : retries) run_callback(retry, RedisValue::unsent("storage is read-only"));
    return;
  }
  if (!retries.empty()) execute(retries);
}

bool RedisPipeline::replicas_confirmed(bool& connection_ok, bool& replica) {
  RedisValue value;
  if (!read_reply(Command{}, value)) {
    if (context_) log_warning(std::string("redis: connection lost: ") + context_->errstr);
    drop_connection();
    connection_ok = false;
    return false;
  }
  if (value.is_error() && value.str.find("replica") != std::string::npos) replica = true;
  bool confirmed = value.type == RedisValue::Type::integer && value.integer >= ack_.replicas;
  if (confirmed != !replicas_short_) {
    replicas_short_ = !confirmed;
    if (confirmed)
      log_info("redis: replicas confirm writes again");
    else
      log_warning("redis: writes are not confirmed by " + std::to_string(ack_.replicas) +
                  " replicas within " + std::to_string(ack_.timeout.count()) +
                  " ms (WAIT: " + (value.is_error() ? value.str : std::to_string(value.integer)) +
                  "); they are answered 503");
  }
  return confirmed;
}

void RedisPipeline::drop_connection() {
  locator_->distrust(connected_to_);
  disconnect();
}

void RedisPipeline::run_callback(Command& command, RedisValue value) {
  if (metrics_ && value.is_error()) metrics_->errors.add();
  // An exception here would end the I/O thread (or the executor's) and the
  // process with it.
  auto run = [callback = std::move(command.callback), value = std::move(value)] {
    try {
      callback(value);
    } catch (const std::exception& e) {
      log_error(std::string("redis: reply handler failed: ") + e.what());
    }
  };
  if (!executor_) return run();
  executor_([gate = gate_, run = std::move(run)] {
    std::shared_lock<std::shared_mutex> open(gate->mutex);
    if (gate->open) run();
  });
}

void RedisPipeline::disconnect() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

}  // namespace incident
