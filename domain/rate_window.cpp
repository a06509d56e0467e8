#include "domain/rate_window.hpp"

#include <algorithm>

namespace incident {

RateWindow rate_window(std::int64_t now_seconds, std::int64_t period_seconds) {
  std::int64_t start = now_seconds - now_seconds % period_seconds;
  return RateWindow{start, start + period_seconds};
}

std::vector<std::pair<std::string, std::string>> rate_headers(const RateCount& count,
                                                              std::int64_t now_seconds) {
  std::vector<std::pair<std::string, std::string>> out{
      {"X-RateLimit-Limit", std::to_string(count.limit)},
      {"X-RateLimit-Used", std::to_string(count.used)},
      {"X-RateLimit-Remaining", std::to_string(count.remaining())},
      {"X-RateLimit-Reset", std::to_string(count.window.reset)},
      {"X-RateLimit-Client", count.client}};
  if (count.exceeded())
    out.emplace_back("Retry-After",
                     std::to_string(std::max<std::int64_t>(1, count.window.reset - now_seconds)));
  return out;
}

}  // namespace incident
