// Copying hiredis replies into RedisValue.
#include "storage/redis_value.hpp"

#include <hiredis/hiredis.h>

namespace incident {

RedisValue copy_reply(const redisReply* reply) {
  if (!reply) return RedisValue::failure("no reply");
  RedisValue value;
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      value.type = RedisValue::Type::integer;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      value.type = reply->type == REDIS_REPLY_STRING   ? RedisValue::Type::string
                   : reply->type == REDIS_REPLY_STATUS ? RedisValue::Type::status
                                                       : RedisValue::Type::error;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = RedisValue::Type::array;
      value.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i)
        value.elements.push_back(copy_reply(reply->element[i]));
      break;
    default:
      value.type = RedisValue::Type::nil;
  }
  return value;
}

namespace {

timeval to_timeval(std::chrono::milliseconds duration) {
  return timeval{static_cast<time_t>(duration.count() / 1000),
                 static_cast<suseconds_t>((duration.count() % 1000) * 1000)};
}

}  // namespace

void set_reply_timeout(redisContext* context, std::chrono::milliseconds timeout) {
  redisSetTimeout(context, to_timeval(timeout));
}

redisContext* connect_redis(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout,
                            std::string& error) {
  timeval tv = to_timeval(timeout);
  redisContext* context = endpoint.is_unix()
                              ? redisConnectUnixWithTimeout(endpoint.socket_path.c_str(), tv)
                              : redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, tv);
  if (!context || context->err) {
    error = context ? context->errstr : "out of memory";
    if (context) redisFree(context);
    return nullptr;
  }
  set_reply_timeout(context, timeout);
  if (endpoint.db != 0) {
    RedisValue selected = run_command(context, {"SELECT", std::to_string(endpoint.db)});
    if (selected.type != RedisValue::Type::status) {
      error = "SELECT " + std::to_string(endpoint.db) + " failed: " + selected.str;
      redisFree(context);
      return nullptr;
    }
  }
  return context;
}

RedisValue run_command(redisContext* context, const std::vector<std::string>& argv) {
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), pointers.data(), lengths.data()));
  RedisValue value = copy_reply(reply);
  if (reply) freeReplyObject(reply);
  return value;
}

std::vector<RedisValue> run_commands(redisContext* context,
                                     const std::vector<std::vector<std::string>>& commands) {
  std::vector<RedisValue> replies;
  replies.reserve(commands.size());
  for (const auto& argv : commands) {
    std::vector<const char*> pointers;
    std::vector<size_t> lengths;
    for (const auto& arg : argv) {
      pointers.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), pointers.data(),
                               lengths.data()) != REDIS_OK)
      return {commands.size(), RedisValue::failure("cannot queue the command")};
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(context, &reply) != REDIS_OK) {
      replies.resize(commands.size(), RedisValue::failure("no reply"));
      return replies;
    }
    replies.push_back(copy_reply(static_cast<redisReply*>(reply)));
    freeReplyObject(reply);
  }
  return replies;
}

}  // namespace incident
