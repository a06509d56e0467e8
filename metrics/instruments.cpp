// Histogram buckets: a short linear scan, as the bounds are few and the
// small values (fast requests, small groups) are the common ones.
#include "metrics/instruments.hpp"

namespace incident::metrics {

Histogram::Histogram(std::vector<std::uint64_t> upper_bounds, double units_per_rendered)
    : bounds_(std::move(upper_bounds)),
      units_per_rendered_(units_per_rendered),
      counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

Histogram::Histogram(const Histogram& other) : Histogram(other.bounds_, other.units_per_rendered_) {
  add(other);
}

void Histogram::add(const Histogram& other) noexcept {
  for (std::size_t i = 0; i <= bounds_.size() && i <= other.bounds_.size(); ++i)
    counts_[i].fetch_add(other.bucket(i), std::memory_order_relaxed);
  sum_.fetch_add(other.sum(), std::memory_order_relaxed);
}

void Histogram::observe(std::uint64_t value) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> latency_bounds_us() {
  return {25,    50,    100,    250,    500,    1000,    2500,    5000,    10000,
          25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
}

}  // namespace incident::metrics
