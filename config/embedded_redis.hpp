// The embedded redis-server: started as a child when no Redis is configured,
// with its append-only file in the data directory, and stopped cleanly on exit.
#pragma once

#include <sys/types.h>

#include <memory>

#include "config/settings.hpp"
#include "storage/redis_endpoint.hpp"

namespace incident {

class EmbeddedRedis {
 public:
  /// Starts redis-server and waits (up to 15 s) until it answers PING.
  static Result<std::unique_ptr<EmbeddedRedis>> start(const Settings& settings);
  /// Asks redis-server to shut down (flushing its AOF) and waits for it.
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  EmbeddedRedis(pid_t pid, RedisEndpoint endpoint) : pid_(pid), endpoint_(std::move(endpoint)) {}
  pid_t pid_;
  RedisEndpoint endpoint_;
};

}  // namespace incident
