// Watches every incident actor's round trips to storage with one periodic
// sweep instead of a timer each: a CAF timer costs a lock, a wake of the
// clock thread and a message when it fires, once per load or commit of an
// incident not seen for a while (most of them, when requests spread over
// many incidents).
#pragma once

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace incident {

/// How many of an actor's round trips have landed (answered or given up on),
/// written by the actor, read by the sweep.
using LandedFlights = std::shared_ptr<std::atomic<std::uint64_t>>;

class FlightWatch {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FlightWatch(std::chrono::milliseconds bound) : bound_(bound) {}

  std::chrono::milliseconds bound() const { return bound_; }

  /// How often to sweep: a flight is found overdue within a quarter bound of
  /// its deadline.
  std::chrono::milliseconds sweep_period() const { return std::max(bound_ / 4, kMinPeriod); }

  /// Notes that `actor` took off with its round trip number `flight`.
  void took_off(caf::actor actor, LandedFlights landed, std::uint64_t flight);

  /// The actors whose flight was still unanswered at its deadline, each with
  /// that flight's number; everything up to `now` is forgotten.
  std::vector<std::pair<caf::actor, std::uint64_t>> overdue(Clock::time_point now);

  /// Flights noted and not swept yet.
  std::size_t watched() const;

 private:
  static constexpr std::chrono::milliseconds kMinPeriod{10};

  struct Flight {
    caf::actor actor;
    LandedFlights landed;
    std::uint64_t number;
    Clock::time_point deadline;
  };

  std::chrono::milliseconds bound_;
  mutable std::mutex mutex_;
  std::deque<Flight> flights_;  // in order of deadline: every flight gets the same bound
};

}  // namespace incident
