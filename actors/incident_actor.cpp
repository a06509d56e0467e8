// Incident actor behavior. Requests queue while a load or a commit is in
// flight; then everything the queue allows is answered or chained and
// committed at once (see incident_batch.hpp). A version conflict (a write by
// another process) reloads the incident and applies the same writes again.
#include "actors/incident_actor.hpp"

#include <optional>
#include <utility>

#include "actors/cached_incident.hpp"
#include "actors/flight_watch.hpp"
#include "actors/incident_batch.hpp"
#include "actors/messages.hpp"
#include "domain/dates.hpp"
#include "storage/incident_store.hpp"
#include "storage/store_errors.hpp"

namespace incident {
namespace {

/// Bounds one Redis call: a chain is one script run, and Redis runs nothing
/// else meanwhile.
constexpr std::size_t kMaxChain = 64;

/// An incident this actor was handed (rebind_atom) while it still served
/// another: what arrived for it waits until the previous one is done.
struct NextIncident {
  Id id = 0;
  PendingQueue queue;
  CachedIncident cached;
  std::uint64_t ready_generation = 0;  // ReadyIncidents' when `cached` was set
  bool read = false;                   // a GET for it arrived
};

struct IncidentState {
  Id id = 0;
  caf::actor storage;
  CachedIncident cached;  // only ever a stored state; never a miss
  PendingQueue queue;
  std::vector<ChainedWrite> in_flight;  // the writes of the commit in flight
  bool busy = false;                    // a load or a commit is in flight
  bool load_confirmed = false;          // the load in flight reads what replicas confirm
  bool retiring = false;                // quit once the queue is done
  std::int64_t newest_known = 0;        // the highest version the change feed reported
  std::vector<NextIncident> next;       // incidents to serve after this one, in order
  IncidentActorLimits limits;
  std::uint64_t flights = 0;  // loads and commits sent so far
  std::shared_ptr<FlightCounters> counters = std::make_shared<FlightCounters>();  // for the sweep
  int late_replies = 0;  // answers to round trips given up on, still to come (and be ignored)
  std::uint64_t ready_generation = 0;     // ReadyIncidents' when the cached state was read
  std::shared_ptr<const Incident> shown;  // what this actor shows in ReadyIncidents, if any
  bool read = false;  // a GET reached this actor since it last showed the incident

  ~IncidentState() {
    if (shown) limits.ready->withdraw(*shown);
  }
};

using IncidentActor = caf::stateful_actor<IncidentState>;

Error not_found() { return Error{ErrorKind::not_found, "Incident not found", {}}; }

Error conflict_error() {
  return Error{ErrorKind::conflict, "Incident changed concurrently too often, retry", {}};
}

Error with_message(Error error, const char* message) {
  if (error.kind == ErrorKind::invalid) error.message = message;
  return error;
}

void answer_all(IncidentState& state, const Error& error) {
  PendingQueue queue = std::move(state.queue);  // leaves state.queue empty
  for (const auto& pending : queue) pending.reply()(error);
}

/// Caches a stored state unless the feed already reported a newer one.
void cache(IncidentState& state, Incident stored) {
  if (stored.version < state.newest_known) {
    state.cached.reset();
  } else {
    state.cached = std::move(stored);
  }
}

void drain(IncidentActor* self);

/// Takes back what the actor shows in ReadyIncidents.
void hide(IncidentState& state) {
  if (!state.shown) return;
  state.limits.ready->withdraw(*state.shown);
  state.shown.reset();
}

/// Shows the cached state to GETs while the actor is idle with it (nothing
/// queued, in flight or handed over), and takes it back otherwise. Only an
/// incident that is read is shown: one only written costs the table nothing.
void update_shown(IncidentState& state) {
  if (!state.limits.ready) return;
  const bool idle = !state.busy && !state.retiring && state.queue.empty() && state.next.empty() &&
                    static_cast<bool>(state.cached);
  if (!idle || state.shown != state.cached.shared()) hide(state);
  if (idle && !state.shown && state.read &&
      state.limits.ready->show(state.cached.shared(), state.ready_generation)) {
    state.shown = state.cached.shared();
    state.read = false;
  }
}

/// Marks a load or commit in flight, watched by the registry's sweep (which
/// sends inflight_check_atom should it outlive its bound).
void take_off(IncidentActor* self) {
  auto& state = self->state;
  // Before the commit leaves: once Redis has it, the change may be in the
  // stream, and a reader of the stream must not then GET the version before.
  hide(state);
  if (state.limits.ready) state.ready_generation = state.limits.ready->generation();
  state.busy = true;
  state.counters->take_off(++state.flights, FlightWatch::Clock::now().time_since_epoch().count());
  state.limits.flights->took_off(self->address(), state.counters);
}

/// The load or commit in flight settled (or was given up on).
void land(IncidentState& state) {
  state.busy = false;
  state.counters->landed.store(state.flights);
}

/// Storage never answered the load or commit in flight. Every request this
/// actor holds is answered, its cached state (which may be stale now) is
/// dropped, and the late answer, should it come, is ignored: storage answers
/// an actor's round trips in the order they were sent, so it is the next one.
void give_up(IncidentActor* self) {
  auto& state = self->state;
  for (const auto& write : state.in_flight) write.pending.reply()(write_outcome_unknown());
  state.in_flight.clear();
  answer_all(state, storage_unavailable());
  // Incidents handed over meanwhile: the actor serves the last one, as the
  // registry believes; what arrived for them is answered too.
  for (auto& next : state.next) {
    for (const auto& pending : next.queue) pending.reply()(storage_unavailable());
    state.id = next.id;
  }
  state.next.clear();
  state.cached.reset();
  state.read = false;
  state.newest_known = 0;
  land(state);
  ++state.late_replies;
  drain(self);  // a retiring actor ends now
}

/// The sweep found `flight` unanswered at its deadline; it may have landed since.
void check_flight(IncidentActor* self, std::uint64_t flight) {
  if (self->state.busy && self->state.flights == flight) give_up(self);
}

/// Loads the stored state; `confirmed`, one the replicas hold, as a 412 needs:
/// an earlier attempt of the same write, in doubt, may have reached only a
/// primary that a failover then drops (its retry must not be told "kept").
void load(IncidentActor* self, bool confirmed = false) {
  if (self->state.limits.metrics) self->state.limits.metrics->cache.misses.add();
  take_off(self);
  self->state.load_confirmed = confirmed;
  self->send(self->state.storage, load_atom::value, self->state.id,
             caf::actor_cast<caf::actor>(self), confirmed);
}

void loaded(IncidentActor* self, LoadResult& result) {
  auto& state = self->state;
  land(state);
  if (!result) {
    answer_all(state, result.error());
  } else if (!*result) {
    answer_all(state, not_found());
  } else {
    // Moved out of the message: it has one receiver, so CAF hands it over unshared.
    cache(state, std::move(**result));
    // Checked against what the replicas confirm, if that state was kept
    // (the feed may have reported a newer one: then it is loaded again).
    if (state.load_confirmed && state.cached)
      for (auto& pending : state.queue) pending.checked_against_store = true;
  }
  drain(self);
}

/// Puts the writes of a chain that lost to another process's write back in
/// front of the queue, or refuses those that lost too often.
void requeue(IncidentState& state, std::vector<ChainedWrite>& writes) {
  metrics::Metrics* metrics = state.limits.metrics.get();
  if (metrics) metrics->commits.conflicts.add();
  for (auto it = writes.rbegin(); it != writes.rend(); ++it) {
    if (--it->pending.retries_left < 0) {
      if (metrics) metrics->commits.refused.add();
      it->pending.reply()(conflict_error());
    } else {
      if (metrics) metrics->commits.retries.add();
      state.queue.push_front(std::move(it->pending));
    }
  }
}

void commit(IncidentActor* self, Batch batch) {
  auto& state = self->state;
  if (state.limits.metrics) state.limits.metrics->commits.group.observe(batch.chain.size());
  // An actor this incident was just taken from may still commit while
  // another loads it: the version loaded meanwhile is not shown past this.
  if (state.limits.ready) state.limits.ready->note_committed(state.id, state.cached->version + 1);
  take_off(self);
  self->state.in_flight = std::move(batch.writes);
  self->send(self->state.storage, commit_atom::value, std::move(batch.chain),
             caf::actor_cast<caf::actor>(self));
}

void committed(IncidentActor* self, const CommitResult& result) {
  auto& state = self->state;
  auto writes = std::move(state.in_flight);
  state.in_flight.clear();
  land(state);
  if (!result) {
    // The writes may have landed without this actor knowing (an answer lost
    // on the way): the cached state may be behind Redis, so it is dropped and
    // the next request loads what Redis holds.
    state.cached.reset();
    if (state.limits.metrics) state.limits.metrics->commits.in_doubt.add();
    for (const auto& write : writes) write.pending.reply()(result.error());
  } else if (result->status == CommitOutcome::Status::conflict) {
    state.cached.reset();
    requeue(state, writes);
  } else if (result->status == CommitOutcome::Status::duplicate) {
    // A keyed comment (it goes alone) that an earlier attempt kept: answered
    // with the stored state, which the cache may not show yet.
    state.cached.reset();
    if (state.limits.metrics) state.limits.metrics->commits.replayed_keys.add();
    writes.front().pending.already_kept = true;
    state.queue.push_front(std::move(writes.front().pending));
  } else if (result->status != CommitOutcome::Status::committed) {
    for (const auto& write : writes) write.pending.reply()(storage_unavailable());
  } else {
    if (std::holds_alternative<DeleteCommand>(writes.back().pending.command)) {
      state.cached.reset();  // deleted: the next request finds it missing in Redis
    } else {
      cache(state, writes.back().answer);
    }
    for (const auto& write : writes) write.pending.reply()(write.answer);
  }
  drain(self);
}

/// Starts serving the next incident handed over: this one is done.
void take_next_incident(IncidentState& state) {
  NextIncident next = std::move(state.next.front());
  state.next.erase(state.next.begin());
  state.id = next.id;
  state.queue = std::move(next.queue);
  state.cached = std::move(next.cached);
  state.ready_generation = next.ready_generation;
  state.newest_known = 0;
  state.read = next.read;
}

void drain_queue(IncidentActor* self);

/// Answers or commits what the queue holds, unless a round trip is in
/// flight; then shows the state to GETs if the actor is idle.
void drain(IncidentActor* self) {
  drain_queue(self);
  update_shown(self->state);
}

void drain_queue(IncidentActor* self) {
  auto& state = self->state;
  if (state.busy) return;
  if (state.queue.empty() && !state.next.empty()) take_next_incident(state);
  if (state.queue.empty()) {
    if (state.next.empty() && state.retiring) {
      hide(state);
      self->quit();
    }
    if (!state.next.empty()) drain_queue(self);
    return;
  }
  if (!state.cached) return load(self);
  const std::size_t queued = state.queue.size();
  Batch batch = take_batch(*state.cached, state.queue, now_minute(), kMaxChain);
  if (batch.needs_reload) {
    state.cached.reset();
    return load(self, true);
  }
  if (state.limits.metrics) state.limits.metrics->cache.hits.add(queued - state.queue.size());
  if (!batch.chain.empty()) return commit(self, std::move(batch));
  drain_queue(self);  // only reads and refusals were answered: the queue is empty
}

/// A refused update says so, in the reference's words.
UpdateCommand with_update_message(const UpdateCommand& command) {
  Reply<Incident> reply = [inner = command.reply](Result<Incident> result) {
    inner(result ? std::move(result) : with_message(result.error(), "Incident update failed"));
  };
  return UpdateCommand{command.request, command.if_match, std::move(reply)};
}

PendingCommand pending_of(IncidentCommand command) {
  if (auto* update = std::get_if<UpdateCommand>(&command))
    return PendingCommand{with_update_message(*update)};
  return PendingCommand{std::move(command)};
}

/// Requests waiting for the incident a new request is for: the one handed
/// over last, if any, else this one (its commit in flight included).
std::size_t waiting(const IncidentState& state) {
  if (!state.next.empty()) return state.next.back().queue.size();
  return state.queue.size() + state.in_flight.size();
}

/// Every request arriving after a rebind is for the incident handed over
/// last. Past the bound, a request is refused at once rather than queued.
void enqueue(IncidentActor* self, PendingCommand pending) {
  auto& state = self->state;
  if (waiting(state) >= state.limits.max_waiting)
    return pending.reply()(
        server_busy("Too many requests are waiting for this incident; retry shortly."));
  if (std::holds_alternative<GetCommand>(pending.command))
    (state.next.empty() ? state.read : state.next.back().read) = true;
  (state.next.empty() ? state.queue : state.next.back().queue).push_back(std::move(pending));
  drain(self);
}

caf::behavior incident_behavior(IncidentActor* self, Id id, caf::actor storage,
                                IncidentActorLimits limits) {
  self->state.id = id;
  self->state.storage = std::move(storage);
  self->state.cached = CachedIncident(limits.cache_bytes);
  self->state.limits = std::move(limits);
  // Told to end (the data set changed, or the server stops): the writes of a
  // commit in flight may or may not have been kept, and say so; the rest were
  // not tried, and are answered when their replies are dropped.
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    hide(self->state);
    for (const auto& write : self->state.in_flight) write.pending.reply()(write_outcome_unknown());
    self->state.in_flight.clear();
    self->quit(exit.reason);
  });
  return {
      [=](get_atom, const GetCommand& command) {
        auto& state = self->state;
        if (!state.busy && state.queue.empty() && state.next.empty() && state.cached) {
          if (state.limits.metrics) state.limits.metrics->cache.hits.add();
          command.reply(*state.cached);  // the common case, without queueing
          state.read = true;
          return update_shown(state);  // the next GETs are answered without a message
        }
        enqueue(self, PendingCommand{command});
      },
      [=](update_atom, const UpdateCommand& command) {
        enqueue(self, PendingCommand{with_update_message(command)});
      },
      [=](comment_atom, const CommentCommand& command) { enqueue(self, PendingCommand{command}); },
      [=](delete_atom, const DeleteCommand& command) { enqueue(self, PendingCommand{command}); },
      [=](refresh_atom, const Incident& stored, std::uint64_t generation) {
        // `generation`: ReadyIncidents' when the create's commit left.
        auto& state = self->state;
        if (!state.next.empty()) {
          state.next.back().cached = stored;
          state.next.back().ready_generation = generation;
        } else if (!state.busy && (!state.cached || state.cached->version < stored.version)) {
          cache(state, stored);
          state.ready_generation = generation;
        }
        update_shown(state);
      },
      [=](feed_atom, std::int64_t version) {
        // Another process committed a newer version: reload on next use (a
        // commit in flight checks this when it settles).
        auto& state = self->state;
        if (!state.next.empty()) {
          auto& cached = state.next.back().cached;
          if (cached && cached->version < version) cached.reset();
          return;
        }
        state.newest_known = std::max(state.newest_known, version);
        if (!state.busy && state.cached && state.cached->version < version) state.cached.reset();
        update_shown(state);
      },
      [=](rebind_atom, Id next_id) {
        // The registry evicted this actor's incident and hands it another one
        // (cheaper than ending this actor and spawning a new one).
        self->state.next.push_back(
            NextIncident{next_id, {}, CachedIncident(self->state.limits.cache_bytes)});
        drain(self);
      },
      [=](rebind_atom, Id next_id, IncidentCommand& first) {
        self->state.next.push_back(
            NextIncident{next_id, {}, CachedIncident(self->state.limits.cache_bytes)});
        enqueue(self, pending_of(std::move(first)));
      },
      [=](loaded_atom, LoadResult& result) {
        if (self->state.late_replies > 0) return void(--self->state.late_replies);
        loaded(self, result);
      },
      // The commit in flight is always this incident's: the actor is only
      // handed another one once it is idle.
      [=](committed_atom, Id, const CommitResult& result) {
        if (self->state.late_replies > 0) return void(--self->state.late_replies);
        committed(self, result);
      },
      [=](retire_atom) {
        self->state.retiring = true;
        drain(self);
      },
      [=](inflight_check_atom, std::uint64_t flight) { check_flight(self, flight); },
  };
}

}  // namespace

caf::actor spawn_incident_actor(caf::event_based_actor* parent, Id id, caf::actor storage,
                                const IncidentActorLimits& limits) {
  // Lazily: the actor is first scheduled with its first message, not once more to start.
  return parent->spawn<caf::lazy_init>(incident_behavior, id, std::move(storage), limits);
}

}  // namespace incident
