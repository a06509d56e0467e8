// The registry actor: finds (spawning lazily) the actor of each incident and
// forwards reads and writes to it; creates new incidents. It keeps at most a
// bounded number of incident actors, retiring the least recently used and the idle.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <cstddef>

namespace incident {

/// How many incident actors may live at once, and how long an idle one lives.
struct ActorLimits {
  std::size_t capacity = 100000;
  std::chrono::seconds idle{300};
  std::chrono::milliseconds flight_bound{5000};  // most a load or commit may stay unanswered
};

caf::actor spawn_registry(caf::actor_system& system, caf::actor storage, ActorLimits limits);

}  // namespace incident
