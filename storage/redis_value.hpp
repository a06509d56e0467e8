// A Redis reply copied out of hiredis, so it can outlive the connection and
// travel between threads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "storage/redis_endpoint.hpp"

struct redisReply;
struct redisContext;

namespace incident {

struct RedisValue {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;  // string, status or error text
  std::vector<RedisValue> elements;
  /// True when Redis could not be reached or answered nothing in time: the
  /// command may or may not have run, unless `not_sent`.
  bool io_failure = false;
  /// An io_failure of a command that was never written to Redis: it did not run.
  bool not_sent = false;

  bool is_error() const { return type == Type::error; }
  static RedisValue failure(std::string why) {
    RedisValue v;
    v.type = Type::error;
    v.str = std::move(why);
    v.io_failure = true;
    return v;
  }
  static RedisValue unsent(std::string why) {
    RedisValue v = failure(std::move(why));
    v.not_sent = true;
    return v;
  }
};

/// Copies a hiredis reply (and its elements); a null reply is an io_failure.
RedisValue copy_reply(const redisReply* reply);

/// A blocking connection to `endpoint` (unix socket or TCP) whose connect and
/// replies are bounded by `timeout`, with the endpoint's database selected;
/// nullptr (and `error`) when it cannot be had. The caller redisFree()s it.
redisContext* connect_redis(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout,
                            std::string& error);

/// Bounds every later reply on the connection by `timeout`.
void set_reply_timeout(redisContext* context, std::chrono::milliseconds timeout);

/// Runs one command on a blocking hiredis connection (binary-safe arguments).
RedisValue run_command(redisContext* context, const std::vector<std::string>& argv);

/// Runs several commands in one round trip (pipelined); one reply each, in
/// order. After an io_failure the connection is unusable, as for run_command.
std::vector<RedisValue> run_commands(redisContext* context,
                                     const std::vector<std::vector<std::string>>& commands);

}  // namespace incident
