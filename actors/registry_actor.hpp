// The registry actor: finds (spawning lazily) the actor of each incident and
// forwards reads and writes to it; creates new incidents.
#pragma once

#include <caf/all.hpp>

namespace incident {

caf::actor spawn_registry(caf::actor_system& system, caf::actor storage);

}  // namespace incident
