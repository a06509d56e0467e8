// The three kinds of Prometheus instrument, as plain atomics: any thread
// records without a lock, and a scrape reads them while they move.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace incident::metrics {

/// Only ever goes up (requests, errors, bytes).
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// Goes up and down, or is set (cache size, open sessions).
class Gauge {
 public:
  void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

/// Counts observations (whole numbers of some unit: microseconds, items)
/// into buckets with fixed upper bounds; rendered cumulative, as Prometheus
/// expects, divided by `units_per_rendered` (1e6 renders microseconds as
/// seconds: a division, so 100 us is exactly "0.0001").
class Histogram {
 public:
  Histogram(std::vector<std::uint64_t> upper_bounds, double units_per_rendered);
  /// A snapshot of `other`, taken while it may still move.
  Histogram(const Histogram& other);
  Histogram& operator=(const Histogram&) = delete;

  /// Adds `other`'s observations to these (shards merged for a scrape).
  void add(const Histogram& other) noexcept;

  void observe(std::uint64_t value) noexcept;

  const std::vector<std::uint64_t>& upper_bounds() const { return bounds_; }
  double units_per_rendered() const { return units_per_rendered_; }
  /// Observations in bucket `i` alone (not cumulative); the last bucket,
  /// at index upper_bounds().size(), holds those above every bound.
  std::uint64_t bucket(std::size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<std::uint64_t> bounds_;
  double units_per_rendered_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<std::uint64_t> sum_{0};
};

/// Latency buckets in microseconds, 25 us (a cached read) to 10 s.
std::vector<std::uint64_t> latency_bounds_us();

}  // namespace incident::metrics
