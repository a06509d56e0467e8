// The per-incident actor: owns one incident's cached state and applies the
// lifecycle to it one message at a time, so updates to one incident are
// serialized without locks and never lost.
#pragma once

#include <caf/all.hpp>
#include <chrono>

#include "domain/incident.hpp"

namespace incident {

/// Spawns the actor for `parent` (the registry), which tells it when to end:
/// not linked, since CAF removes a link in time linear in the number of links.
/// It arms no timer: a pending delayed message would keep a retired actor's
/// memory alive until it fired, so the registry retires idle actors itself.
caf::actor spawn_incident_actor(caf::event_based_actor* parent, Id id, caf::actor storage);

}  // namespace incident
