// Sentinel over hiredis. The watcher polls its socket rather than block in a
// read with a timeout: a hiredis context that timed out cannot be used again,
// and announcements are rare.
#include "storage/sentinel_client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include "config/log.hpp"
#include "config/thread_name.hpp"
#include "storage/redis_value.hpp"

namespace incident {
namespace {

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

Context open(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout) {
  std::string error;
  RedisEndpoint server = endpoint;
  server.db = 0;  // a sentinel has no databases; ROLE needs none
  return Context(connect_redis(server, timeout, error), &redisFree);
}

constexpr auto kPollInterval = std::chrono::milliseconds(250);
constexpr auto kAskTimeout = std::chrono::milliseconds(500);
constexpr auto kLivenessInterval = std::chrono::seconds(2);

}  // namespace

SentinelAnswer HiredisSentinelProbe::ask(const RedisEndpoint& sentinel,
                                         const std::string& master_name) {
  SentinelAnswer answer;
  Context context = open(sentinel, timeout_);
  if (!context) return answer;  // unreachable
  RedisValue reply =
      run_command(context.get(), {"SENTINEL", "get-master-addr-by-name", master_name});
  if (reply.io_failure) return answer;
  if (reply.is_error()) {
    answer.kind = SentinelAnswer::Kind::refused;
    answer.detail = reply.str;
    return answer;
  }
  auto named = reply.elements.size() == 2
                   ? endpoint_at(reply.elements[0].str, reply.elements[1].str)
                   : std::nullopt;
  answer.kind = named ? SentinelAnswer::Kind::primary : SentinelAnswer::Kind::unknown_master;
  if (named) answer.primary = *named;
  return answer;
}

ServerRole HiredisSentinelProbe::role_of(const RedisEndpoint& server) {
  Context context = open(server, timeout_);
  return context ? role_on(context.get()) : ServerRole::unreachable;
}

ServerRole role_on(redisContext* context) {
  RedisValue reply = run_command(context, {"ROLE"});
  if (reply.io_failure) return ServerRole::unreachable;
  if (reply.type != RedisValue::Type::array || reply.elements.empty()) return ServerRole::other;
  const std::string& role = reply.elements[0].str;
  if (role == "master") return ServerRole::primary;
  if (role == "slave") return ServerRole::replica;
  return ServerRole::other;
}

redisContext* connect_primary(PrimaryLocator& locator, std::chrono::milliseconds timeout,
                              RedisEndpoint& reached, std::uint64_t& generation) {
  auto target = locator.primary(generation);
  if (!target) return nullptr;  // the locator logged why
  reached = *target;
  std::string error;
  redisContext* context = connect_redis(reached, timeout, error);
  if (!context) {
    log_warning("redis: cannot connect to " + reached.describe() + ": " + error);
  } else if (locator.verifies_role() && role_on(context) != ServerRole::primary) {
    log_warning("redis: " + reached.describe() + " is not the primary; asking again");
    redisFree(context);
    context = nullptr;
  }
  if (!context) locator.distrust(reached);
  return context;
}

SentinelWatcher::SentinelWatcher(std::shared_ptr<SentinelLocator> locator)
    : locator_(std::move(locator)), thread_([this] {
        name_this_thread("sentinel.watch");
        run();
      }) {}

SentinelWatcher::~SentinelWatcher() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void SentinelWatcher::run() {
  while (!stopping_) {
    for (const auto& sentinel : locator_->sentinels()) {
      if (stopping_) return;
      follow(sentinel);
    }
    // Every sentinel failed: wait a little before going round again.
    for (int i = 0; i < 4 && !stopping_; ++i) std::this_thread::sleep_for(kPollInterval);
  }
}

void SentinelWatcher::follow(const RedisEndpoint& sentinel) {
  Context context = open(sentinel, kAskTimeout);
  if (!context) return;
  RedisValue subscribed = run_command(context.get(), {"SUBSCRIBE", "+switch-master"});
  if (subscribed.type != RedisValue::Type::array) return;
  // A sentinel that froze (or a network that dropped it) says nothing, like
  // one with nothing to announce: a PING now and then tells them apart.
  auto last_heard = std::chrono::steady_clock::now();
  bool pinged = false;
  while (!stopping_) {
    void* raw = nullptr;
    // Replies already read into hiredis' buffer first, then the socket.
    if (redisReaderGetReply(context->reader, &raw) != REDIS_OK) return;
    if (!raw) {
      auto silent = std::chrono::steady_clock::now() - last_heard;
      if (silent > 2 * kLivenessInterval) return;  // the PING went unanswered: next sentinel
      if (silent > kLivenessInterval && !pinged) {
        redisAppendCommand(context.get(), "PING");
        int done = 0;
        if (redisBufferWrite(context.get(), &done) != REDIS_OK) return;
        pinged = true;
      }
      pollfd ready{context->fd, POLLIN, 0};
      int events = ::poll(&ready, 1, static_cast<int>(kPollInterval.count()));
      if (events < 0) return;
      if (events == 0) continue;
      if (redisBufferRead(context.get()) != REDIS_OK) return;
      continue;
    }
    last_heard = std::chrono::steady_clock::now();
    pinged = false;
    RedisValue message = copy_reply(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    // ["message", "+switch-master", "<name> <old> <old port> <new> <new port>"]
    if (message.elements.size() != 3 || message.elements[0].str != "message") continue;
    if (auto primary = parse_switch_master(message.elements[2].str, locator_->master_name())) {
      log_info("redis: sentinel " + sentinel.describe() + " announced a failover to " +
               primary->describe());
      locator_->announce(*primary);
    }
  }
}

}  // namespace incident
