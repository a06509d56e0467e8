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
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace incident {

/// One actor's round trips, as its sweep sees them: counters the actor
/// writes, and whether the watch holds an entry for it (at most one, so the
/// watch holds at most one entry per actor whatever the rate of writes).
struct FlightCounters {
  /// Counts a take-off at `at` (the clock's ticks since its epoch).
  void take_off(std::uint64_t flight, std::int64_t at) {
    taken_off_at.store(at);  // before the count: whoever reads the count sees its time
    taken_off.store(flight);
  }
  std::atomic<std::uint64_t> taken_off{0};    // loads and commits sent
  std::atomic<std::int64_t> taken_off_at{0};  // when the last of them was
  std::atomic<std::uint64_t> landed{0};       // of them, answered or given up on
  std::atomic<bool> watched{false};
};

class FlightWatch {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FlightWatch(std::chrono::milliseconds bound) : bound_(bound) {}

  std::chrono::milliseconds bound() const { return bound_; }

  /// How often to sweep: a flight is found overdue within a quarter bound
  /// past its bound.
  std::chrono::milliseconds sweep_period() const { return std::max(bound_ / 4, kMinPeriod); }

  /// Call after counting a take-off in `counters`: watches `actor`'s flights
  /// unless its entry is there already.
  void took_off(const caf::actor_addr& actor, const std::shared_ptr<FlightCounters>& counters);

  /// The actors (still alive) whose flight was unanswered past its bound,
  /// each with that flight's number. Entries up to `now` are settled: dropped,
  /// or renewed for an actor whose later flight is in the air.
  std::vector<std::pair<caf::actor, std::uint64_t>> overdue(Clock::time_point now);

  /// Entries held (at most one per actor with a flight in the last bound).
  std::size_t watched() const;

 private:
  static constexpr std::chrono::milliseconds kMinPeriod{10};

  struct Entry {
    caf::actor_addr actor;  // weak: the watch never keeps an actor alive
    std::shared_ptr<FlightCounters> counters;
    std::uint64_t flight;
    Clock::time_point deadline;
  };

  /// Looks at one entry due by `now`: reports its flight if unanswered, and
  /// watches the actor's later flight, if one is in the air.
  void settle(Entry entry, std::vector<std::pair<caf::actor, std::uint64_t>>& late);

  std::chrono::milliseconds bound_;
  mutable std::mutex mutex_;
  std::multimap<Clock::time_point, Entry> entries_;  // by deadline
};

/// The actor that sweeps `watch` every sweep period and sends each actor
/// found overdue inflight_check_atom with that flight's number. Linked to
/// `owner` (the registry): either ends the other.
caf::actor spawn_flight_sweeper(caf::actor_system& system, std::shared_ptr<FlightWatch> watch,
                                const caf::actor& owner);

}  // namespace incident
