// Catalog behavior: forwards each command to storage, which checks name
// uniqueness and use by incidents atomically.
#include "actors/catalog_actor.hpp"

#include "actors/messages.hpp"

namespace incident {

caf::actor spawn_catalog(caf::actor_system& system, caf::actor storage) {
  return system.spawn([storage](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=](catalog_atom, const CatalogCommand& command) {
          self->send(storage, catalog_atom::value, command);
        },
    };
  });
}

}  // namespace incident
