// The catalog actor: the single entry point for scope and service operations,
// which keeps their writes in arrival order before storage runs them.
#pragma once

#include <caf/all.hpp>

namespace incident {

caf::actor spawn_catalog(caf::actor_system& system, caf::actor storage);

}  // namespace incident
