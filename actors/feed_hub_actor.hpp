// The feed hub: owns the Server-Sent Events sessions of this process and
// wakes them whenever the change feed moves.
#pragma once

#include <caf/all.hpp>
#include <chrono>

namespace incident {

caf::actor spawn_feed_hub(caf::actor_system& system, caf::actor storage,
                          std::chrono::seconds heartbeat);

}  // namespace incident
