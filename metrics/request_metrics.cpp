// Methods and statuses map to fixed slots: the label sets stay bounded
// whatever a client sends.
#include "metrics/request_metrics.hpp"

#include <algorithm>
#include <atomic>

namespace incident::metrics {
namespace {

// More shards than the reactor threads of a usual machine; few enough that a
// scrape stays cheap.
constexpr std::size_t kShards = 4;

std::size_t method_slot(const std::string& method) {
  const auto& known = RequestMetrics::methods();
  for (std::size_t i = 0; i + 1 < known.size(); ++i)
    if (method == known[i]) return i;
  return known.size() - 1;
}

std::size_t status_slot(int status) {
  const auto& known = RequestMetrics::statuses();
  auto it = std::lower_bound(known.begin() + 1, known.end(), status);
  if (it != known.end() && *it == status) return static_cast<std::size_t>(it - known.begin());
  return 0;
}

}  // namespace

const std::vector<const char*>& RequestMetrics::methods() {
  static const std::vector<const char*> known = {"GET", "HEAD", "POST", "OTHER"};
  return known;
}

const std::vector<int>& RequestMetrics::statuses() {
  // Sorted after the leading 0 (any other): every code the server sends.
  static const std::vector<int> known = {0,   200, 201, 204, 302, 304, 400, 401, 403,
                                         404, 405, 408, 409, 411, 412, 413, 414, 415,
                                         417, 429, 431, 500, 501, 503, 505};
  return known;
}

RequestMetrics::RequestMetrics(std::vector<std::string> route_patterns)
    : patterns_(std::move(route_patterns)) {
  patterns_.emplace_back("unmatched");
  for (std::size_t s = 0; s < kShards; ++s) {
    auto shard = std::make_unique<Shard>();
    shard->requests = std::vector<Counter>(patterns_.size() * methods().size() * statuses().size());
    shard->bytes = std::vector<Counter>(patterns_.size());
    for (std::size_t i = 0; i < patterns_.size(); ++i)
      shard->latency.emplace_back(latency_bounds_us(), 1e6);
    shards_.push_back(std::move(shard));
  }
}

RequestMetrics::Shard& RequestMetrics::shard_of_this_thread() noexcept {
  static std::atomic<std::size_t> threads_seen{0};
  thread_local const std::size_t index = threads_seen.fetch_add(1, std::memory_order_relaxed);
  return *shards_[index % shards_.size()];
}

std::size_t RequestMetrics::cell(std::size_t route, std::size_t method, std::size_t status) const {
  return (route * methods().size() + method) * statuses().size() + status;
}

void RequestMetrics::record(std::size_t route, const std::string& method, int status,
                            std::uint64_t micros, std::uint64_t bytes) noexcept {
  if (route >= patterns_.size()) route = unmatched();
  auto& shard = shard_of_this_thread();
  shard.requests[cell(route, method_slot(method), status_slot(status))].add();
  shard.latency[route].observe(micros);
  shard.bytes[route].add(bytes);
}

std::uint64_t RequestMetrics::requests(std::size_t route, std::size_t method,
                                       std::size_t status) const {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->requests[cell(route, method, status)].value();
  return total;
}

Histogram RequestMetrics::latency(std::size_t route) const {
  Histogram total(shards_.front()->latency[route]);
  for (std::size_t s = 1; s < shards_.size(); ++s) total.add(shards_[s]->latency[route]);
  return total;
}

std::uint64_t RequestMetrics::bytes(std::size_t route) const {
  std::uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->bytes[route].value();
  return total;
}

}  // namespace incident::metrics
