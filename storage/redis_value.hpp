// A Redis reply copied out of hiredis, so it can outlive the connection and
// travel between threads.
#pragma once

#include <string>
#include <vector>

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
  /// command may or may not have run.
  bool io_failure = false;

  bool is_error() const { return type == Type::error; }
  static RedisValue failure(std::string why) {
    RedisValue v;
    v.type = Type::error;
    v.str = std::move(why);
    v.io_failure = true;
    return v;
  }
};

/// Copies a hiredis reply (and its elements); a null reply is an io_failure.
RedisValue copy_reply(const redisReply* reply);

/// Runs one command on a blocking hiredis connection (binary-safe arguments).
RedisValue run_command(redisContext* context, const std::vector<std::string>& argv);

}  // namespace incident
