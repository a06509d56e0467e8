// Feed hub behavior: subscribe spawns a session (linked, so sessions end with
// the hub); every read of new feed entries wakes every session; ended sessions are dropped.
#include "actors/feed_hub_actor.hpp"

#include <unordered_set>

#include "actors/feed_session_actor.hpp"
#include "actors/messages.hpp"

namespace incident {
namespace {

struct HubState {
  caf::actor storage;
  std::chrono::seconds heartbeat{15};
  std::unordered_set<caf::actor> sessions;
};

using HubActor = caf::stateful_actor<HubState>;

caf::behavior hub_behavior(HubActor* self, caf::actor storage, std::chrono::seconds heartbeat) {
  self->state.storage = std::move(storage);
  self->state.heartbeat = heartbeat;
  self->set_down_handler([=](const caf::down_msg& down) {
    for (auto it = self->state.sessions.begin(); it != self->state.sessions.end(); ++it)
      if (it->address() == down.source) return void(self->state.sessions.erase(it));
  });
  // A session ends normally when its client leaves, or abnormally when it
  // fails; either way it is that session's end, not the hub's.
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    auto& sessions = self->state.sessions;
    for (auto it = sessions.begin(); it != sessions.end(); ++it)
      if (it->address() == exit.source) return void(sessions.erase(it));
    if (exit.reason != caf::exit_reason::normal) self->quit(exit.reason);
  });
  return {
      [=](subscribe_atom, const Subscription& subscription) {
        auto session =
            spawn_feed_session(self, subscription, self->state.storage, self->state.heartbeat);
        self->monitor(session);
        self->state.sessions.insert(session);
      },
      [=](feed_atom) {  // the stream grew
        for (const auto& session : self->state.sessions) self->send(session, wake_atom::value);
      },
      [=](ping_atom, const Reply<bool>& reply) { reply(true); },
  };
}

}  // namespace

caf::actor spawn_feed_hub(caf::actor_system& system, caf::actor storage,
                          std::chrono::seconds heartbeat) {
  return system.spawn(hub_behavior, std::move(storage), heartbeat);
}

}  // namespace incident
