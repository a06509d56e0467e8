// Supervisor behavior. A health check fans a ping out to every watched actor;
// each answers through its reply callback (from any thread), which reports
// back here; the check passes only if all answered well before its bound.
#include "actors/supervisor_actor.hpp"

#include <map>

#include "actors/messages.hpp"

namespace incident {
namespace {

struct HealthCheck {
  Reply<bool> reply;
  std::size_t waiting = 0;  // singletons that have not answered yet
};

struct SupervisorState {
  std::vector<WatchedActor> watched;
  UnexpectedEnd on_unexpected_end;
  std::chrono::milliseconds health_bound{1000};
  bool stopping = false;
  bool reported = false;
  std::uint64_t next_check = 0;
  std::map<std::uint64_t, HealthCheck> checks;
};

using SupervisorActor = caf::stateful_actor<SupervisorState>;

void finish_check(SupervisorActor* self, std::uint64_t id, Result<bool> outcome) {
  auto it = self->state.checks.find(id);
  if (it == self->state.checks.end()) return;  // already answered
  Reply<bool> reply = std::move(it->second.reply);
  self->state.checks.erase(it);
  reply(std::move(outcome));
}

void start_check(SupervisorActor* self, Reply<bool> reply) {
  auto& state = self->state;
  std::uint64_t id = ++state.next_check;
  state.checks.emplace(id, HealthCheck{std::move(reply), state.watched.size()});
  caf::actor me = caf::actor_cast<caf::actor>(self);
  for (const auto& watched : state.watched) {
    // A singleton that is gone drops the ping unanswered: the bound catches it.
    Reply<bool> part = [me, id, name = watched.name](Result<bool> answer) {
      caf::anon_send(me, health_part_atom::value, id, name, answer.ok());
    };
    self->send(watched.actor, ping_atom::value, std::move(part));
  }
  self->delayed_send(self, state.health_bound, health_timeout_atom::value, id);
}

void report(SupervisorActor* self, const caf::down_msg& down) {
  auto& state = self->state;
  if (state.stopping || state.reported || down.reason == caf::exit_reason::user_shutdown) return;
  for (const auto& watched : state.watched) {
    if (watched.actor.address() != down.source) continue;
    state.reported = true;
    state.on_unexpected_end(watched.name, caf::to_string(down.reason));
    return;
  }
}

caf::behavior supervisor_behavior(SupervisorActor* self, std::vector<WatchedActor> watched,
                                  UnexpectedEnd on_unexpected_end,
                                  std::chrono::milliseconds health_bound) {
  auto& state = self->state;
  state.watched = std::move(watched);
  state.on_unexpected_end = std::move(on_unexpected_end);
  state.health_bound = health_bound;
  for (const auto& each : state.watched) self->monitor(each.actor);
  self->set_down_handler([=](const caf::down_msg& down) { report(self, down); });
  return {
      [=](ping_atom, Reply<bool>& reply) { start_check(self, std::move(reply)); },
      [=](health_part_atom, std::uint64_t id, const std::string& name, bool ok) {
        auto it = self->state.checks.find(id);
        if (it == self->state.checks.end()) return;
        if (!ok)
          return finish_check(self, id, Error{ErrorKind::unavailable, name + " is unhealthy", {}});
        if (--it->second.waiting == 0) finish_check(self, id, true);
      },
      [=](health_timeout_atom, std::uint64_t id) {
        finish_check(self, id, Error{ErrorKind::unavailable, "A component did not answer", {}});
      },
      [=](stop_atom) { self->state.stopping = true; },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& system, std::vector<WatchedActor> watched,
                            UnexpectedEnd on_unexpected_end,
                            std::chrono::milliseconds health_bound) {
  return system.spawn(supervisor_behavior, std::move(watched), std::move(on_unexpected_end),
                      health_bound);
}

}  // namespace incident
