// Follows the change stream from the moment it starts, on its own connection
// and thread, so this process learns of changes other processes commit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "domain/incident.hpp"
#include "metrics/metrics.hpp"
#include "storage/keys.hpp"
#include "storage/primary_locator.hpp"
#include "storage/redis_endpoint.hpp"

namespace incident {

/// What a follower needs to know of one change-feed entry.
struct FeedEntry {
  std::string stream_id;
  std::string type;  // e.g. "incident.updated", "scope.deleted"
  Id id = 0;
  std::int64_t version = 0;
  bool own = false;  // committed by this process
};

/// Parses an entry's "data" message; nullopt when it is not one of ours.
std::optional<FeedEntry> parse_feed_entry(const std::string& stream_id, const std::string& data);

class FeedFollower {
 public:
  using OnEntries = std::function<void(std::vector<FeedEntry>)>;

  /// Starts following; `on_entries` runs on the follower's thread after each
  /// read that brought entries (up to 512), with those, in stream order; the
  /// entries whose "origin" is `own_origin` are marked `own`. They are not
  /// skipped: a write of this process whose answer was lost (so that it never
  /// learnt it was kept) is learnt from here.
  /// It reads from wherever `locator` says the primary is, and after a
  /// failover goes on from the last entry it saw.
  /// `metrics`, when given, counts entries and reconnects and keeps the lag.
  FeedFollower(std::shared_ptr<PrimaryLocator> locator, Keys keys, std::string own_origin,
               OnEntries on_entries, std::shared_ptr<metrics::FeedMetrics> metrics = nullptr);
  FeedFollower(RedisEndpoint endpoint, Keys keys, std::string own_origin, OnEntries on_entries);
  ~FeedFollower();
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  /// Waits, at most `limit`, until the follower knows where it starts: every
  /// change committed after that is delivered. True once it does.
  bool wait_until_following(std::chrono::milliseconds limit);

 private:
  void run();
  void mark_following();

  std::shared_ptr<PrimaryLocator> locator_;
  Keys keys_;
  std::string own_origin_;
  OnEntries on_entries_;
  std::shared_ptr<metrics::FeedMetrics> metrics_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable started_;
  bool following_ = false;
  std::thread thread_;
};

}  // namespace incident
