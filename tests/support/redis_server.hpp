// A private redis-server for tests: started on a free loopback port with a
// throwaway directory, stopped (and its directory removed) when destroyed.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "storage/redis_endpoint.hpp"
#include "storage/redis_value.hpp"

namespace incident::testing {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  const RedisEndpoint& endpoint() const { return endpoint_; }
  /// Runs one command synchronously on a fresh connection (for setup and checks).
  RedisValue command(const std::vector<std::string>& argv) const;
  void flush() const { command({"FLUSHALL"}); }
  /// Stalls the server (SIGSTOP) and lets it go on (SIGCONT): a Redis that
  /// accepts connections and commands but answers nothing meanwhile.
  void stall() const;
  void resume() const;

 private:
  pid_t pid_ = -1;
  std::string dir_;
  RedisEndpoint endpoint_;
};

}  // namespace incident::testing
