// The embedded redis-server: started as a child when no Redis is configured,
// with its append-only file in the data directory, restarted if it dies, and
// stopped cleanly on exit.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/settings.hpp"
#include "storage/redis_endpoint.hpp"

namespace incident {

class EmbeddedRedis {
 public:
  /// Starts redis-server, waits (up to 15 s) until it answers PING, and
  /// supervises it: if it exits, it is logged and started again.
  static Result<std::unique_ptr<EmbeddedRedis>> start(const Settings& settings);
  /// Asks redis-server to shut down (flushing its AOF) and waits for it.
  ~EmbeddedRedis();
  EmbeddedRedis(const EmbeddedRedis&) = delete;
  EmbeddedRedis& operator=(const EmbeddedRedis&) = delete;

  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  EmbeddedRedis(std::vector<std::string> arguments, RedisEndpoint endpoint, pid_t pid);
  void supervise();

  std::vector<std::string> arguments_;
  RedisEndpoint endpoint_;
  std::atomic<pid_t> pid_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> exited_{false};
  std::thread supervisor_;
};

}  // namespace incident
