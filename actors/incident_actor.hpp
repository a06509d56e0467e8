// The per-incident actor: owns one incident's cached state and applies the
// lifecycle to it one message at a time, so updates to one incident are
// serialized without locks and never lost.
#pragma once

#include <caf/all.hpp>
#include <chrono>

#include "domain/incident.hpp"

namespace incident {

/// Spawns the actor linked to `parent` (the registry), so it ends with it.
/// After `idle` without a message it asks the registry to retire it.
caf::actor spawn_incident_actor(caf::event_based_actor* parent, Id id, caf::actor storage,
                                std::chrono::seconds idle);

}  // namespace incident
