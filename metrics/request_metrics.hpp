// HTTP requests by route pattern, method and status, and their latency per
// route: fixed tables of atomics sized at start, so recording takes no lock.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "metrics/instruments.hpp"

namespace incident::metrics {

class RequestMetrics {
 public:
  /// One row per route (its pattern, e.g. "/api/incident/:id"); requests that
  /// matched none are recorded under the index `unmatched()`.
  explicit RequestMetrics(std::vector<std::string> route_patterns);

  std::size_t unmatched() const { return patterns_.size() - 1; }

  /// One answered request; `route` out of range counts as unmatched.
  void record(std::size_t route, const std::string& method, int status, std::uint64_t micros,
              std::uint64_t bytes) noexcept;

  // For the exposition.
  const std::vector<std::string>& patterns() const { return patterns_; }
  static const std::vector<const char*>& methods();
  static const std::vector<int>& statuses();  // the codes counted apart; 0 stands for any other
  std::uint64_t requests(std::size_t route, std::size_t method, std::size_t status) const;
  const Histogram& latency(std::size_t route) const { return latency_[route]; }
  std::uint64_t bytes(std::size_t route) const { return bytes_[route].value(); }

 private:
  std::size_t cell(std::size_t route, std::size_t method, std::size_t status) const;

  std::vector<std::string> patterns_;
  std::vector<Counter> requests_;  // route x method x status
  std::deque<Histogram> latency_;  // a deque: histograms do not move
  std::vector<Counter> bytes_;
};

}  // namespace incident::metrics
