// Where Redis is: parsed from redis://host:port/db or unix:///path?db=N.
#pragma once

#include <optional>
#include <string>

namespace incident {

struct RedisEndpoint {
  std::string host;  // empty for a unix socket
  int port = 6379;
  std::string socket_path;  // set for a unix socket
  int db = 0;

  bool is_unix() const { return !socket_path.empty(); }
  std::string describe() const;
};

/// Parses a PM_REDIS_URI value; nullopt when it is not a supported URI.
std::optional<RedisEndpoint> parse_redis_uri(const std::string& uri);

}  // namespace incident
