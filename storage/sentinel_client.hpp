// Sentinel over hiredis: the probe discovery asks through, the ROLE check a
// new connection makes, and the watcher that follows +switch-master so a
// failover is followed at once, not only once the old primary fails a command.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "storage/primary_locator.hpp"
#include "storage/sentinel_discovery.hpp"

struct redisContext;

namespace incident {

/// Asks over short-lived connections, each bounded by `timeout`.
class HiredisSentinelProbe : public SentinelProbe {
 public:
  explicit HiredisSentinelProbe(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  SentinelAnswer ask(const RedisEndpoint& sentinel, const std::string& master_name) override;
  ServerRole role_of(const RedisEndpoint& server) override;

 private:
  std::chrono::milliseconds timeout_;
};

/// The ROLE of the server behind an open connection.
ServerRole role_on(redisContext* context);

/// A connection to where `locator` says the primary is (`reached`, under
/// `generation`), checked by its ROLE when the locator asks for that; null
/// (logged, and the server distrusted) when there is none to be had. The
/// caller redisFree()s it.
redisContext* connect_primary(PrimaryLocator& locator, std::chrono::milliseconds timeout,
                              RedisEndpoint& reached, std::uint64_t& generation);

/// Subscribes to +switch-master on one sentinel after another (the next when
/// one fails) and announces each switch of the master to the locator.
class SentinelWatcher {
 public:
  explicit SentinelWatcher(std::shared_ptr<SentinelLocator> locator);
  ~SentinelWatcher();
  SentinelWatcher(const SentinelWatcher&) = delete;
  SentinelWatcher& operator=(const SentinelWatcher&) = delete;

 private:
  void run();
  /// Follows one sentinel's announcements until it fails or the watcher stops.
  void follow(const RedisEndpoint& sentinel);

  std::shared_ptr<SentinelLocator> locator_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace incident
