// Fixed-window rate limiting, the arithmetic only: which window a moment
// falls in, and the X-RateLimit-* headers of a count.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace incident {

struct RateWindow {
  std::int64_t start = 0;  // epoch seconds
  std::int64_t reset = 0;  // epoch seconds when the next window starts
};

RateWindow rate_window(std::int64_t now_seconds, std::int64_t period_seconds);

struct RateCount {
  std::string client;
  std::int64_t limit = 0;
  std::int64_t used = 0;  // this request included
  RateWindow window;

  bool exceeded() const { return used > limit; }
  std::int64_t remaining() const { return used >= limit ? 0 : limit - used; }
};

/// X-RateLimit-Limit, -Used, -Remaining, -Reset and -Client; past the limit
/// also Retry-After (seconds until the window resets, at least 1).
std::vector<std::pair<std::string, std::string>> rate_headers(const RateCount& count,
                                                              std::int64_t now_seconds);

}  // namespace incident
