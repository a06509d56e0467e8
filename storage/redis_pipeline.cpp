// The pipelined Redis connection: batches queued commands, reconnects with
// backoff, and fails fast (io_failure) while Redis is unreachable.
#include "storage/redis_pipeline.hpp"

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include <cstdio>
#include <iterator>

#include "config/log.hpp"
#include "storage/resp_command.hpp"

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

RedisPipeline::RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds timeout,
                             ConnectCheck check, ReplyExecutor executor)
    : endpoint_(std::move(endpoint)),
      timeout_(timeout),
      check_(std::move(check)),
      executor_(std::move(executor)),
      thread_([this] { run(); }) {}

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
  std::string error;
  context_ = connect_redis(endpoint_, timeout_, error);
  if (!context_) log_warning("redis: cannot connect to " + endpoint_.describe() + ": " + error);
  if (context_ && check_ && !check_(context_)) disconnect();
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

void RedisPipeline::execute(std::vector<Command>& batch) {
  std::string out;
  for (const auto& command : batch) write(command, out);
  redisAppendFormattedCommand(context_, out.data(), out.size());
  std::vector<Command> retries;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    RedisValue value;
    if (!read_reply(batch[i], value)) {
      if (context_) log_warning(std::string("redis: connection lost: ") + context_->errstr);
      disconnect();
      for (std::size_t j = i; j < batch.size(); ++j)
        run_callback(batch[j], RedisValue::failure("storage unreachable"));
      for (auto& retry : retries) run_callback(retry, RedisValue::failure("storage unreachable"));
      return;
    }
    bool lost_script = value.is_error() && value.str.rfind("NOSCRIPT", 0) == 0;
    if (lost_script && batch[i].script) {
      batch[i].argv[0] = "EVAL";  // same keys and arguments, with the source
      batch[i].argv[1] = batch[i].script->source;
      batch[i].script = nullptr;
      retries.push_back(std::move(batch[i]));
      continue;
    }
    run_callback(batch[i], std::move(value));
  }
  if (!retries.empty()) execute(retries);
}

void RedisPipeline::run_callback(Command& command, RedisValue value) {
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
