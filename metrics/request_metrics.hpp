// HTTP requests by route pattern, method and status, and their latency per
// route: fixed tables of atomics sized at start, so recording takes no lock.
// Each thread records into one of a few shards, so two threads answering the
// same route do not fight over one cache line; a scrape adds the shards up.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
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
  Histogram latency(std::size_t route) const;
  std::uint64_t bytes(std::size_t route) const;

 private:
  struct Shard {
    std::vector<Counter> requests;  // route x method x status
    std::deque<Histogram> latency;  // a deque: histograms do not move
    std::vector<Counter> bytes;
  };
  std::size_t cell(std::size_t route, std::size_t method, std::size_t status) const;
  Shard& shard_of_this_thread() noexcept;

  std::vector<std::string> patterns_;
  std::vector<std::unique_ptr<Shard>> shards_;  // apart in memory: no shared cache lines
};

}  // namespace incident::metrics
