// Methods and statuses map to fixed slots: the label sets stay bounded
// whatever a client sends.
#include "metrics/request_metrics.hpp"

#include <algorithm>

namespace incident::metrics {
namespace {

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
  requests_ = std::vector<Counter>(patterns_.size() * methods().size() * statuses().size());
  bytes_ = std::vector<Counter>(patterns_.size());
  for (std::size_t i = 0; i < patterns_.size(); ++i)
    latency_.emplace_back(latency_bounds_us(), 1e6);
}

std::size_t RequestMetrics::cell(std::size_t route, std::size_t method, std::size_t status) const {
  return (route * methods().size() + method) * statuses().size() + status;
}

void RequestMetrics::record(std::size_t route, const std::string& method, int status,
                            std::uint64_t micros, std::uint64_t bytes) noexcept {
  if (route >= patterns_.size()) route = unmatched();
  requests_[cell(route, method_slot(method), status_slot(status))].add();
  latency_[route].observe(micros);
  bytes_[route].add(bytes);
}

std::uint64_t RequestMetrics::requests(std::size_t route, std::size_t method,
                                       std::size_t status) const {
  return requests_[cell(route, method, status)].value();
}

}  // namespace incident::metrics
