// SentinelLocator: discovery under its own mutex, so the I/O threads that
// find the primary gone at the same moment cause one round of questions.
#include "storage/primary_locator.hpp"

#include "config/log.hpp"

namespace incident {

SentinelLocator::SentinelLocator(std::vector<RedisEndpoint> sentinels, std::string master_name,
                                 int db, std::unique_ptr<SentinelProbe> probe,
                                 std::chrono::milliseconds retry_after)
    : master_name_(std::move(master_name)),
      db_(db),
      probe_(std::move(probe)),
      retry_after_(retry_after),
      sentinels_(std::move(sentinels)) {}

std::optional<RedisEndpoint> SentinelLocator::primary(std::uint64_t& generation) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = generation_.load();
    if (trusted_) return current_;
  }
  std::unique_lock<std::mutex> discovering(discovery_mutex_);
  std::vector<RedisEndpoint> order;
  std::uint64_t announcements = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = generation_.load();
    // Another thread may have found it while this one waited.
    if (trusted_) return current_;
    // The zero time point is "never failed" (a clock younger than the pause,
    // as on a machine just booted, must not make the first discovery wait).
    bool failed_before = last_failed_discovery_ != Clock::time_point{};
    if (failed_before && Clock::now() - last_failed_discovery_ < retry_after_) return current_;
    order = sentinels_;
    announcements = announcements_;
  }
  Discovery found = discover_primary(order, master_name_, *probe_);
  bool changed = false, recovered = false, first_failure = false;
  std::optional<RedisEndpoint> answer;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    sentinels_ = order;
    if (announcements != announcements_) {
      // A failover was announced meanwhile: what was asked before it is stale.
    } else if (!found.primary) {
      last_failed_discovery_ = Clock::now();
      first_failure = !failing_;
      failing_ = true;
    } else {
      found.primary->db = db_;
      changed = adopt(*found.primary);
      recovered = failing_;
      failing_ = false;
    }
    generation = generation_.load();
    answer = current_;
  }
  discovering.unlock();
  if (first_failure)
    log_warning("redis: " + found.describe_failure() +
                (answer ? "; trying the last primary known, " + answer->describe() : ""));
  if (recovered) log_info("redis: the sentinels name " + found.primary->describe() + " again");
  if (changed) notify(*found.primary);
  return answer;
}

bool SentinelLocator::adopt(const RedisEndpoint& found) {
  bool changed = current_ && !same_server(*current_, found);
  if (!current_ || changed) generation_.fetch_add(1);
  current_ = found;
  trusted_ = true;
  return changed;
}

void SentinelLocator::distrust(const RedisEndpoint& server) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_ && same_server(*current_, server)) trusted_ = false;
}

void SentinelLocator::announce(const RedisEndpoint& server) {
  RedisEndpoint announced = server;
  announced.db = db_;
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++announcements_;
    changed = adopt(announced);
  }
  if (changed) notify(announced);
}

void SentinelLocator::on_change(std::function<void(const RedisEndpoint&)> listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  listener_ = std::move(listener);
}

void SentinelLocator::notify(const RedisEndpoint& server) {
  log_warning("redis: the primary of '" + master_name_ + "' is now " + server.describe());
  std::function<void(const RedisEndpoint&)> listener;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    listener = listener_;
  }
  if (listener) listener(server);
}

std::vector<RedisEndpoint> SentinelLocator::sentinels() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sentinels_;
}

std::string SentinelLocator::describe() const {
  std::string text = "primary '" + master_name_ + "' via sentinels";
  for (const auto& sentinel : sentinels()) text += " " + sentinel.describe();
  return text;
}

}  // namespace incident
