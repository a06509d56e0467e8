// Finding the Redis primary through Sentinel, as logic alone: the sentinels
// and the servers they name are asked through a probe (hiredis in the server,
// a scripted fake in the unit tests), so every way discovery can go wrong is
// tested without a network.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/redis_endpoint.hpp"

namespace incident {

/// What one sentinel said when asked for the primary of a master name.
struct SentinelAnswer {
  enum class Kind {
    primary,         // it named one (in `primary`)
    unknown_master,  // it does not monitor that name
    unreachable,     // no connection, or no answer in time
    refused,         // it answered an error (in `detail`)
  };
  Kind kind = Kind::unreachable;
  RedisEndpoint primary;
  std::string detail;
};

/// What a server says it is (its ROLE).
enum class ServerRole { primary, replica, other, unreachable };

class SentinelProbe {
 public:
  virtual ~SentinelProbe() = default;
  virtual SentinelAnswer ask(const RedisEndpoint& sentinel, const std::string& master_name) = 0;
  virtual ServerRole role_of(const RedisEndpoint& server) = 0;
};

struct Discovery {
  std::optional<RedisEndpoint> primary;
  /// Why each sentinel asked did not lead to a primary, in the order asked.
  std::vector<std::string> failures;

  /// One line for the log when no primary was found.
  std::string describe_failure() const;
};

/// Asks the sentinels, in order, for the primary of `master_name`, and
/// accepts a named server only once it says itself that it is the primary: a
/// sentinel whose view is stale may name a replica (or a primary that was
/// demoted), and writes sent there would be refused or lost. The sentinel
/// that led to the primary moves to the front, so it is asked first next time.
Discovery discover_primary(std::vector<RedisEndpoint>& sentinels, const std::string& master_name,
                           SentinelProbe& probe);

/// Parses "host:port[,host:port...]" (the port is required); nullopt when
/// any entry is not one.
std::optional<std::vector<RedisEndpoint>> parse_sentinel_list(const std::string& text);

/// The endpoint of a host and a port as Redis spells them ("6379");
/// nullopt when either is not one.
std::optional<RedisEndpoint> endpoint_at(const std::string& host, const std::string& port);

/// Parses a +switch-master message ("<name> <old-ip> <old-port> <new-ip>
/// <new-port>"): the new primary when it is about `master_name`.
std::optional<RedisEndpoint> parse_switch_master(const std::string& message,
                                                 const std::string& master_name);

/// Equal when they reach the same server the same way (database aside).
bool same_server(const RedisEndpoint& a, const RedisEndpoint& b);

}  // namespace incident
