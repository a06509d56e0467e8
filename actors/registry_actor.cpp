// Registry behavior. A create allocates an id, commits the new incident (with
// its Idempotency-Key, if any) and hands the stored state to a fresh incident
// actor; a repeated key answers with the incident the first request created.
// Change-feed entries (from any process) reach the incident's actor, if any.
#include "actors/registry_actor.hpp"

#include <unordered_map>

#include "actors/incident_actor.hpp"
#include "actors/lru_order.hpp"
#include "actors/messages.hpp"
#include "domain/dates.hpp"
#include "domain/lifecycle.hpp"
#include "storage/incident_store.hpp"

namespace incident {
namespace {

/// How often the registry looks for idle incident actors (one timer in all):
/// every 5 s, or sooner when actors idle out sooner.
std::chrono::milliseconds idle_sweep_period(std::chrono::seconds idle) {
  return std::min<std::chrono::milliseconds>(std::chrono::seconds(5), idle);
}

struct RegistryState {
  caf::actor storage;
  ActorLimits limits;
  std::unordered_map<Id, caf::actor> incidents;
  LruOrder<Id> recency{1};
};

using RegistryActor = caf::stateful_actor<RegistryState>;

/// Forgets an incident's actor and tells it to quit once its mailbox is done;
/// the next message for that incident spawns a fresh actor (which loads it).
void retire(RegistryActor* self, Id id) {
  auto it = self->state.incidents.find(id);
  if (it == self->state.incidents.end()) return;
  self->demonitor(it->second);  // an expected end: no down message to scan for
  self->send(it->second, retire_atom::value);
  self->state.incidents.erase(it);
  self->state.recency.erase(id);
}

caf::actor actor_for(RegistryActor* self, Id id) {
  auto& state = self->state;
  auto evicted = state.recency.touch(id, std::chrono::steady_clock::now());
  auto it = state.incidents.find(id);
  if (it != state.incidents.end()) return it->second;
  auto victim = evicted ? state.incidents.find(*evicted) : state.incidents.end();
  if (victim != state.incidents.end()) {
    // The least recently used incident's actor serves this one from now on,
    // once it has answered what it was sent: no actor ends or starts.
    caf::actor reused = std::move(victim->second);
    state.incidents.erase(victim);
    self->send(reused, rebind_atom::value, id);
    state.incidents.emplace(id, reused);
    return reused;
  }
  auto spawned = spawn_incident_actor(self, id, state.storage);
  self->monitor(spawned);  // a monitor costs the registry nothing per actor, unlike a link
  state.incidents.emplace(id, spawned);
  return spawned;
}

/// {field: [null, value]} for every field the create event lists.
nlohmann::json created_changes(const Incident& incident) {
  nlohmann::json changes = nlohmann::json::object();
  auto created = nlohmann::json::parse(incident.events.front().content, nullptr, false);
  if (created.is_object())
    for (auto& [field, value] : created.items()) changes[field] = {nullptr, value};
  return changes;
}

Reply<Incident> with_create_message(Reply<Incident> reply) {
  return [reply](Result<Incident> result) {
    if (result || result.error().kind != ErrorKind::invalid) return reply(std::move(result));
    Error error = result.error();
    error.message = "Incident creation failed";
    reply(error);
  };
}

void commit_new(RegistryActor* self, const Incident& created, const CreateCommand& command) {
  CommitRequest request{
      "incident.created",       std::nullopt,           created, created.events.front(),
      created_changes(created), command.idempotency_key};
  self->request(self->state.storage, kStorageReplyBound, commit_atom::value, request)
      .then(
          [=](const CommitResult& result) {
            if (!result) return command.reply(result.error());
            if (result->status == CommitOutcome::Status::duplicate)
              return self->send(actor_for(self, result->existing_id), get_atom::value,
                                GetCommand{command.reply});
            if (result->status != CommitOutcome::Status::committed)
              return command.reply(storage_unavailable());
            self->send(actor_for(self, created.id), refresh_atom::value, created);
            command.reply(created);
          },
          [=](const caf::error&) { command.reply(storage_unavailable()); });
}

void create(RegistryActor* self, CreateCommand command) {
  command.reply = with_create_message(std::move(command.reply));
  self->request(self->state.storage, kStorageReplyBound, next_id_atom::value)
      .then(
          [=](const IdResult& id) {
            if (!id) return command.reply(id.error());
            commit_new(self, create_incident(command.request, *id, now_minute()), command);
          },
          [=](const caf::error&) { command.reply(storage_unavailable()); });
}

caf::behavior registry_behavior(RegistryActor* self, caf::actor storage, ActorLimits limits) {
  self->state.storage = std::move(storage);
  self->state.limits = limits;
  self->state.recency = LruOrder<Id>(limits.capacity);
  self->delayed_send(self, idle_sweep_period(self->state.limits.idle), idle_atom::value);
  // Incident actors are not linked to the registry (see incident_actor.hpp):
  // it ends them itself when it is told to stop.
  // An incident actor that ended unexpectedly (retired ones are demonitored
  // first, so this linear scan is rare) is forgotten: the next request spawns
  // a fresh one instead of being sent to a dead mailbox.
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& incidents = self->state.incidents;
    for (auto it = incidents.begin(); it != incidents.end(); ++it)
      if (it->second.address() == down.source) {
        self->state.recency.erase(it->first);
        incidents.erase(it);
        return;
      }
  });
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    for (const auto& [id, actor] : self->state.incidents) self->send_exit(actor, exit.reason);
    self->state.incidents.clear();
    self->quit(exit.reason);
  });
  return {
      [=](create_atom, const CreateCommand& command) { create(self, command); },
      [=](get_atom, Id id, const GetCommand& command) {
        self->send(actor_for(self, id), get_atom::value, command);
      },
      [=](update_atom, Id id, const UpdateCommand& command) {
        self->send(actor_for(self, id), update_atom::value, command);
      },
      [=](comment_atom, Id id, const CommentCommand& command) {
        self->send(actor_for(self, id), comment_atom::value, command);
      },
      [=](delete_atom, Id id, const DeleteCommand& command) {
        self->send(actor_for(self, id), delete_atom::value, command);
      },
      [=](idle_atom) {
        auto cutoff = std::chrono::steady_clock::now() - self->state.limits.idle;
        while (auto unused = self->state.recency.take_unused_since(cutoff)) retire(self, *unused);
        self->delayed_send(self, idle_sweep_period(self->state.limits.idle), idle_atom::value);
      },
      [=](feed_atom, const std::vector<FeedEntry>& entries) {
        // Only incidents cached here can be stale; others load when first used.
        for (const auto& entry : entries) {
          if (entry.type.rfind("incident.", 0) != 0) continue;
          auto it = self->state.incidents.find(entry.id);
          if (it != self->state.incidents.end())
            self->send(it->second, feed_atom::value, entry.version);
        }
      },
  };
}

}  // namespace

caf::actor spawn_registry(caf::actor_system& system, caf::actor storage, ActorLimits limits) {
  return system.spawn(registry_behavior, std::move(storage), limits);
}

}  // namespace incident
