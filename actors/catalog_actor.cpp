// Catalog behavior: forwards each command to storage, which checks name
// uniqueness and use by incidents atomically.
#include "actors/catalog_actor.hpp"

#include "actors/messages.hpp"

namespace incident {
namespace {

caf::behavior catalog_behavior(caf::event_based_actor* self, caf::actor storage) {
  return {
      [=](catalog_atom, const CatalogCommand& command) {
        self->send(storage, catalog_atom::value, command);
      },
      [=](ping_atom, const Reply<bool>& reply) { reply(true); },
  };
}

}  // namespace

caf::actor spawn_catalog(caf::actor_system& system, caf::actor storage) {
  return system.spawn(catalog_behavior, std::move(storage));
}

}  // namespace incident
