// Request counters of the rate limiter: one expiring Redis counter per client
// and fixed window, shared by every server process on the same Redis.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "domain/result.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"

namespace incident {

class RateStore {
 public:
  RateStore(RedisPipeline& pipeline, Keys keys) : pipeline_(pipeline), keys_(std::move(keys)) {}

  /// Counts one request of `client` in the window starting at `window_start`
  /// and ending at `window_end` (epoch seconds); answers the count so far.
  void count(const std::string& client, std::int64_t window_start, std::int64_t window_end,
             std::int64_t now, std::function<void(Result<std::int64_t>)> done);

 private:
  RedisPipeline& pipeline_;
  Keys keys_;
};

}  // namespace incident
