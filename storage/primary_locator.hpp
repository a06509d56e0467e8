// Where the Redis primary is, for every connection of the process: a fixed
// address (--redis-uri, the embedded Redis), or whatever the sentinels name
// now. Connections ask it each time they connect, tell it when the server
// they reached failed them, and reconnect when its generation moves on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/redis_endpoint.hpp"
#include "storage/sentinel_discovery.hpp"

namespace incident {

class PrimaryLocator {
 public:
  virtual ~PrimaryLocator() = default;

  /// The server to send commands to; nullopt while none is known (every
  /// sentinel down, or none names a server that confirms it is the
  /// primary). May ask the sentinels, within their timeouts.
  std::optional<RedisEndpoint> primary() {
    std::uint64_t generation = 0;
    return primary(generation);
  }
  /// The same, with the generation it belongs to (read together, so a
  /// connection made to it is not taken for an older one's).
  virtual std::optional<RedisEndpoint> primary(std::uint64_t& generation) = 0;

  /// Moves on whenever primary() starts naming another server: a connection
  /// made under an older generation must reconnect.
  virtual std::uint64_t generation() const = 0;

  /// `server` failed a connection: unreachable, broken, refused a write as a
  /// replica (READONLY), or denied being the primary. The next primary()
  /// asks again rather than trust it.
  virtual void distrust(const RedisEndpoint& server) = 0;

  /// True when a connection must check (ROLE) that it reached the primary
  /// before using it: the address may be stale by the time it connects.
  virtual bool verifies_role() const = 0;

  /// For the log: where this locator looks.
  virtual std::string describe() const = 0;
};

/// One address, never in doubt.
class FixedLocator : public PrimaryLocator {
 public:
  explicit FixedLocator(RedisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  using PrimaryLocator::primary;
  std::optional<RedisEndpoint> primary(std::uint64_t& generation) override {
    generation = 0;
    return endpoint_;
  }
  std::uint64_t generation() const override { return 0; }
  void distrust(const RedisEndpoint&) override {}
  bool verifies_role() const override { return false; }
  std::string describe() const override { return endpoint_.describe(); }

 private:
  RedisEndpoint endpoint_;
};

/// The primary the sentinels name, found again when it fails or when a
/// sentinel announces a failover (announce()).
class SentinelLocator : public PrimaryLocator {
 public:
  using Clock = std::chrono::steady_clock;

  /// `db` is selected on the primary. After a failed discovery, the next
  /// waits `retry_after` (so that a burst of failing connections asks the
  /// sentinels once).
  SentinelLocator(std::vector<RedisEndpoint> sentinels, std::string master_name, int db,
                  std::unique_ptr<SentinelProbe> probe,
                  std::chrono::milliseconds retry_after = std::chrono::milliseconds(100));

  using PrimaryLocator::primary;
  /// When no sentinel answers, the last primary known is tried again (a
  /// connection still checks its ROLE): sentinels down must not take down a
  /// primary that is fine.
  std::optional<RedisEndpoint> primary(std::uint64_t& generation) override;
  std::uint64_t generation() const override { return generation_.load(); }
  void distrust(const RedisEndpoint& server) override;
  bool verifies_role() const override { return true; }
  std::string describe() const override;

  /// A sentinel announced that `server` is the primary now (+switch-master).
  void announce(const RedisEndpoint& server);

  /// Runs (outside any lock, on the thread that learnt it) whenever the
  /// primary changes to another server: what was cached from the old one may
  /// hold writes the new one lost. Cleared by on_change({}).
  void on_change(std::function<void(const RedisEndpoint&)> listener);

  const std::string& master_name() const { return master_name_; }
  /// The sentinels, in the order they are asked now.
  std::vector<RedisEndpoint> sentinels() const;

 private:
  /// Takes `found` as the primary; true when it is another server.
  bool adopt(const RedisEndpoint& found);
  void notify(const RedisEndpoint& server);

  const std::string master_name_;
  const int db_;
  const std::unique_ptr<SentinelProbe> probe_;
  const std::chrono::milliseconds retry_after_;
  std::mutex discovery_mutex_;  // one discovery at a time; the others wait for it
  mutable std::mutex mutex_;    // what follows
  std::vector<RedisEndpoint> sentinels_;
  std::optional<RedisEndpoint> current_;
  bool trusted_ = false;
  std::uint64_t announcements_ = 0;  // a discovery that overlapped one is stale
  bool failing_ = false;             // the last discovery found nothing (logged once)
  Clock::time_point last_failed_discovery_{};
  std::function<void(const RedisEndpoint&)> listener_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace incident
