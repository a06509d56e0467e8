// Registry behavior. A create allocates an id, commits the new incident (with
// its Idempotency-Key, if any) and hands the stored state to a fresh incident
// actor; a repeated key answers with the incident the first request created.
// Change-feed entries (from any process) reach the incident's actor, if any.
#include "actors/registry_actor.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "actors/flight_watch.hpp"
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

/// Ids are reserved from Redis a block at a time, so a create costs no round
/// trip of its own for its id; several processes still never share one.
constexpr Id kIdBlock = 100;

/// Actors retired for the cache's byte budget and not ended yet, at most.
constexpr std::size_t kMaxBudgetRetirements = 4;

/// A create whose commit is in flight: answered with the incident once stored.
struct PendingCreate {
  CreateCommand command;
  Incident incident;
  std::uint64_t ready_generation = 0;  // ReadyIncidents' as the commit left
};

struct RegistryState {
  caf::actor storage;
  ActorLimits limits;
  std::unordered_map<Id, caf::actor> incidents;
  /// Retired actors still answering what they were sent: still watched, so
  /// that a change of data set ends them too rather than let them answer
  /// from a cache of the old one.
  std::unordered_set<caf::actor_addr> retiring;
  std::unordered_set<caf::actor_addr> retired_for_budget;  // those of them retired for bytes
  LruOrder<Id> recency{1};
  Id next_free_id = 0;
  Id id_block_end = 0;  // one past the last reserved id
  bool reserving_ids = false;
  std::vector<CreateCommand> waiting_for_ids;
  std::unordered_map<Id, PendingCreate> creating;  // by the new incident's id
  CacheBytes cached_bytes = std::make_shared<std::atomic<std::int64_t>>(0);  // every actor's cache
  std::shared_ptr<FlightWatch> flights;  // every actor's loads and commits in flight
};

using RegistryActor = caf::stateful_actor<RegistryState>;

/// Forgets an incident's actor and tells it to quit once its mailbox is done;
/// the next message for that incident spawns a fresh actor (which loads it).
void retire(RegistryActor* self, Id id) {
  auto it = self->state.incidents.find(id);
  if (it == self->state.incidents.end()) return;
  self->state.retiring.insert(it->second.address());
  self->send(it->second, retire_atom::value);
  self->state.incidents.erase(it);
  self->state.recency.erase(id);
}

/// The actor serving an incident; `handed_over` when it served another one
/// until now and must be told (rebind_atom) before anything else.
struct Route {
  caf::actor actor;
  bool handed_over = false;
};

/// Over the byte budget, the least recently used actor other than `keep`'s
/// is retired, one per request routed. A retired actor frees its cache only
/// once it has ended, and the total does not drop before then: so at most a
/// few are retired for the budget at a time, or a burst of requests would
/// empty the whole cache for one incident too many.
void keep_within_byte_budget(RegistryActor* self, Id keep) {
  auto& state = self->state;
  if (state.retired_for_budget.size() >= kMaxBudgetRetirements) return;
  if (state.cached_bytes->load(std::memory_order_relaxed) <= state.limits.cache_bytes) return;
  auto oldest = state.recency.oldest();
  if (!oldest || *oldest == keep) return;
  auto it = state.incidents.find(*oldest);
  if (it != state.incidents.end()) state.retired_for_budget.insert(it->second.address());
  retire(self, *oldest);
  if (state.limits.metrics) state.limits.metrics->cache.evicted_bytes.add();
}

/// The cache's gauges, as of this request.
void report_cache(const RegistryState& state) {
  if (!state.limits.metrics) return;
  auto& cache = state.limits.metrics->cache;
  cache.actors.set(static_cast<std::int64_t>(state.incidents.size()));
  cache.bytes.set(state.cached_bytes->load(std::memory_order_relaxed));
}

Route route(RegistryActor* self, Id id) {
  auto& state = self->state;
  keep_within_byte_budget(self, id);
  auto evicted = state.recency.touch(id, std::chrono::steady_clock::now());
  auto it = state.incidents.find(id);
  if (it != state.incidents.end()) return {it->second};
  auto victim = evicted ? state.incidents.find(*evicted) : state.incidents.end();
  if (victim != state.incidents.end()) {
    // The least recently used incident's actor serves this one from now on,
    // once it has answered what it was sent: no actor ends or starts.
    caf::actor reused = std::move(victim->second);
    state.incidents.erase(victim);
    state.incidents.emplace(id, reused);
    if (state.limits.metrics) state.limits.metrics->cache.evicted_capacity.add();
    return {std::move(reused), true};
  }
  auto spawned = spawn_incident_actor(
      self, id, state.storage,
      IncidentActorLimits{state.flights, state.limits.max_waiting, state.cached_bytes,
                          state.limits.metrics, state.limits.ready});
  self->monitor(spawned);  // a monitor costs the registry nothing per actor, unlike a link
  state.incidents.emplace(id, spawned);
  report_cache(state);
  return {std::move(spawned)};
}

caf::actor actor_for(RegistryActor* self, Id id) {
  Route to = route(self, id);
  if (to.handed_over) self->send(to.actor, rebind_atom::value, id);
  return to.actor;
}

/// Sends a request to the incident's actor; to an actor handed over, in the
/// rebind message itself.
template <class Atom, class Command>
void forward(RegistryActor* self, Id id, Atom atom, const Command& command) {
  Route to = route(self, id);
  if (to.handed_over) return self->send(to.actor, rebind_atom::value, id, IncidentCommand{command});
  self->send(to.actor, atom, command);
}

Reply<Incident> with_create_message(Reply<Incident> reply) {
  return [reply](Result<Incident> result) {
    if (result || result.error().kind != ErrorKind::invalid) return reply(std::move(result));
    Error error = result.error();
    error.message = "Incident creation failed";
    reply(error);
  };
}

/// Commits a new incident; storage answers committed_atom with its id.
void commit_new(RegistryActor* self, Id id, CreateCommand command) {
  Incident created = create_incident(command.request, id, now_minute());
  std::vector<CommitRequest> chain{{"incident.created", std::nullopt, created,
                                    created.events.front(), creation_changes(created),
                                    command.idempotency_key}};
  // Read before the commit leaves: what it stored is not shown past a clear()
  // (a failover) that came while it was in flight.
  const std::uint64_t generation =
      self->state.limits.ready ? self->state.limits.ready->generation() : 0;
  self->state.creating.emplace(id,
                               PendingCreate{std::move(command), std::move(created), generation});
  self->send(self->state.storage, commit_atom::value, std::move(chain),
             caf::actor_cast<caf::actor>(self));
}

void created(RegistryActor* self, Id id, const CommitResult& result) {
  auto it = self->state.creating.find(id);
  if (it == self->state.creating.end()) return;
  PendingCreate pending = std::move(it->second);
  self->state.creating.erase(it);
  const Reply<Incident>& reply = pending.command.reply;
  if (!result) return reply(result.error());
  if (result->status == CommitOutcome::Status::duplicate)
    return forward(self, result->existing_id, get_atom::value, GetCommand{reply});
  if (result->status != CommitOutcome::Status::committed) return reply(storage_unavailable());
  self->send(actor_for(self, id), refresh_atom::value, pending.incident, pending.ready_generation);
  reply(pending.incident);
}

/// Reserves the next block of ids and hands them to the creates waiting.
void reserve_id_block(RegistryActor* self) {
  auto& state = self->state;
  if (state.reserving_ids) return;
  state.reserving_ids = true;
  auto serve_waiting = [=](const IdResult& last) {
    auto& state = self->state;
    state.reserving_ids = false;
    if (last) {
      state.next_free_id = *last - kIdBlock + 1;
      state.id_block_end = *last + 1;
    }
    auto waiting = std::move(state.waiting_for_ids);
    state.waiting_for_ids.clear();
    for (auto& command : waiting) {
      if (!last) {
        command.reply(last.error());
      } else if (state.next_free_id < state.id_block_end) {
        commit_new(self, state.next_free_id++, std::move(command));
      } else {  // more creates than one block: they wait for the next
        state.waiting_for_ids.push_back(std::move(command));
      }
    }
    if (!state.waiting_for_ids.empty()) reserve_id_block(self);
  };
  self->request(state.storage, kStorageReplyBound, reserve_ids_atom::value, kIdBlock)
      .then(serve_waiting, [=](const caf::error&) { serve_waiting(storage_unavailable()); });
}

void create(RegistryActor* self, CreateCommand command) {
  auto& state = self->state;
  if (state.creating.size() + state.waiting_for_ids.size() >= state.limits.max_waiting)
    return command.reply(server_busy("Too many creates are waiting; retry shortly."));
  command.reply = with_create_message(std::move(command.reply));
  if (state.next_free_id < state.id_block_end)
    return commit_new(self, state.next_free_id++, std::move(command));
  state.waiting_for_ids.push_back(std::move(command));
  reserve_id_block(self);
}

caf::behavior registry_behavior(RegistryActor* self, caf::actor storage, ActorLimits limits,
                                std::shared_ptr<FlightWatch> flights) {
  self->state.storage = std::move(storage);
  self->state.limits = limits;
  self->state.recency = LruOrder<Id>(limits.capacity);
  self->state.flights = std::move(flights);
  self->delayed_send(self, idle_sweep_period(self->state.limits.idle), idle_atom::value);
  // Incident actors are not linked to the registry (see incident_actor.hpp):
  // it ends them itself when it is told to stop.
  // A retired actor's end is expected. One that ended unexpectedly (rare,
  // hence the linear scan) is forgotten: the next request spawns a fresh one
  // instead of being sent to a dead mailbox.
  self->set_down_handler([=](const caf::down_msg& down) {
    if (self->state.retiring.erase(down.source) > 0) {
      self->state.retired_for_budget.erase(down.source);
      return;
    }
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
    for (const auto& address : self->state.retiring) self->send_exit(address, exit.reason);
    self->state.incidents.clear();
    self->state.retiring.clear();
    self->quit(exit.reason);
  });
  return {
      [=](create_atom, const CreateCommand& command) { create(self, command); },
      [=](committed_atom, Id id, const CommitResult& result) { created(self, id, result); },
      [=](get_atom, Id id, const GetCommand& command) {
        forward(self, id, get_atom::value, command);
      },
      [=](update_atom, Id id, const UpdateCommand& command) {
        forward(self, id, update_atom::value, command);
      },
      [=](comment_atom, Id id, const CommentCommand& command) {
        forward(self, id, comment_atom::value, command);
      },
      [=](delete_atom, Id id, const DeleteCommand& command) {
        forward(self, id, delete_atom::value, command);
      },
      [=](idle_atom) {
        auto cutoff = std::chrono::steady_clock::now() - self->state.limits.idle;
        while (auto unused = self->state.recency.take_unused_since(cutoff)) {
          retire(self, *unused);
          if (self->state.limits.metrics) self->state.limits.metrics->cache.retired_idle.add();
        }
        report_cache(self->state);
        self->delayed_send(self, idle_sweep_period(self->state.limits.idle), idle_atom::value);
      },
      [=](ping_atom, const Reply<bool>& reply) { reply(true); },
      [=](forget_all_atom) {
        // Redis holds another data set: no cached incident may be served
        // again. Ending the actors answers what they hold with a 503 (retry).
        auto& state = self->state;
        for (const auto& [id, actor] : state.incidents) {
          self->demonitor(actor);
          self->send_exit(actor, caf::exit_reason::user_shutdown);
        }
        for (const auto& address : state.retiring) {
          self->demonitor(address);
          self->send_exit(address, caf::exit_reason::user_shutdown);
        }
        state.incidents.clear();
        state.retiring.clear();
        state.retired_for_budget.clear();
        state.recency = LruOrder<Id>(state.limits.capacity);
      },
      [=](feed_atom, const std::vector<FeedEntry>& entries) {
        // Only incidents cached here can be stale; others load when first
        // used. This process's own changes come too (one whose answer was
        // lost was never learnt otherwise); an actor that committed a change
        // itself finds its cache already there. One message per incident
        // however many of its changes the batch holds.
        std::unordered_map<Id, std::int64_t> newest;
        for (const auto& entry : entries) {
          if (entry.type.rfind("incident.", 0) != 0) continue;
          if (self->state.incidents.count(entry.id) == 0) continue;
          std::int64_t& version = newest[entry.id];
          version = std::max(version, entry.version);
        }
        for (const auto& [id, version] : newest)
          self->send(self->state.incidents.at(id), feed_atom::value, version);
      },
  };
}

}  // namespace

caf::actor spawn_registry(caf::actor_system& system, caf::actor storage, ActorLimits limits) {
  auto flights = std::make_shared<FlightWatch>(limits.flight_bound);
  auto registry = system.spawn(registry_behavior, std::move(storage), limits, flights);
  spawn_flight_sweeper(system, std::move(flights), registry);
  return registry;
}

}  // namespace incident
