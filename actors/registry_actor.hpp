// The registry actor: finds (spawning lazily) the actor of each incident and
// forwards reads and writes to it; creates new incidents. It keeps at most a
// bounded number of incident actors, retiring the least recently used and the idle.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "actors/ready_incidents.hpp"
#include "metrics/metrics.hpp"

namespace incident {

/// How many incident actors may live at once, how much their cached incidents
/// may hold, how long an idle one lives, and how much work may wait.
struct ActorLimits {
  std::size_t capacity = 100000;
  std::chrono::seconds idle{300};
  std::chrono::milliseconds flight_bound{5000};    // most a load or commit may stay unanswered
  std::int64_t cache_bytes = 512LL * 1024 * 1024;  // estimated, see approximate_bytes
  /// Requests waiting for one incident, and creates waiting in the registry,
  /// past which a request is answered 503 (retry) at once.
  std::size_t max_waiting = 1024;
  std::shared_ptr<metrics::Metrics> metrics =
      nullptr;  // optional: cache size, hits, misses, evictions
  /// Where idle incident actors show their incident to GETs (optional).
  std::shared_ptr<ReadyIncidents> ready = nullptr;
};

caf::actor spawn_registry(caf::actor_system& system, caf::actor storage, ActorLimits limits);

}  // namespace incident
