// Incident actor behavior. Writes `await` the storage commit, which keeps the
// actor's mailbox closed until the write is settled; a version conflict (a
// write by another process) reloads the incident and applies the request again.
#include "actors/incident_actor.hpp"

#include <optional>

#include "actors/messages.hpp"
#include "domain/dates.hpp"
#include "domain/lifecycle.hpp"
#include "storage/incident_store.hpp"

namespace incident {
namespace {

constexpr int kConflictRetries = 5;

struct IncidentState {
  Id id = 0;
  caf::actor storage;
  std::optional<Incident> cached;  // only ever a stored state; never a miss
};

using IncidentActor = caf::stateful_actor<IncidentState>;

/// Turns a domain outcome into the next attempt's input: the latest state.
using WithIncident = std::function<void(const Incident&)>;

Error not_found() { return Error{ErrorKind::not_found, "Incident not found", {}}; }

Error conflict_error() {
  return Error{ErrorKind::conflict, "Incident changed concurrently too often, retry", {}};
}

Error with_message(Error error, const char* message) {
  if (error.kind == ErrorKind::invalid) error.message = message;
  return error;
}

/// Runs `next` with the current incident, loading it first when not cached
/// (or when `refresh` asks for the stored state after a conflict).
void with_incident(IncidentActor* self, bool refresh, const Reply<Incident>& reply,
                   WithIncident next) {
  if (self->state.cached && !refresh) return next(*self->state.cached);
  self->request(self->state.storage, kStorageReplyBound, load_atom::value, self->state.id)
      .await(
          [=](const LoadResult& loaded) {
            if (!loaded) return reply(loaded.error());
            self->state.cached = *loaded;
            if (!self->state.cached) return reply(not_found());
            next(*self->state.cached);
          },
          [=](const caf::error&) { reply(storage_unavailable()); });
}

/// Commits `request`; on success caches `after` and answers `answer`; on a
/// conflict runs `retry` against freshly loaded state.
void commit(IncidentActor* self, CommitRequest request, const Incident& answer,
            const Reply<Incident>& reply, std::function<void()> retry) {
  self->request(self->state.storage, kStorageReplyBound, commit_atom::value, request)
      .await(
          [=](const CommitResult& result) {
            if (!result) return reply(result.error());
            if (result->status == CommitOutcome::Status::conflict) return retry();
            self->state.cached = request.after;
            reply(answer);
          },
          [=](const caf::error&) { reply(storage_unavailable()); });
}

bool precondition_fails(const std::optional<std::int64_t>& if_match, const Incident& incident) {
  return if_match && *if_match != incident.version;
}

Error precondition_failed(const Incident& incident) {
  return field_error(ErrorKind::precondition_failed, "Incident version mismatch", "If-Match",
                     "Current version is " + std::to_string(incident.version) + ".");
}

void run_update(IncidentActor* self, const UpdateCommand& command, int attempts, bool refresh) {
  with_incident(self, refresh, command.reply, [=](const Incident& current) {
    if (precondition_fails(command.if_match, current)) {
      // The cache may lag another process's write: check the stored version.
      if (!refresh) return run_update(self, command, attempts, true);
      return command.reply(precondition_failed(current));
    }
    auto change = apply_update(current, command.request, now_minute());
    if (!change) return command.reply(change.error());
    if (!change->changed()) return command.reply(current);
    CommitRequest request{"incident.updated",          current,         change->next,
                          change->next.events.front(), change->changes, std::nullopt};
    commit(self, request, change->next, command.reply, [=] {
      if (attempts <= 0) return command.reply(conflict_error());
      run_update(self, command, attempts - 1, true);
    });
  });
}

void run_comment(IncidentActor* self, const CommentCommand& command, int attempts, bool refresh) {
  with_incident(self, refresh, command.reply, [=](const Incident& current) {
    Incident next = add_comment(current, command.request, now_minute());
    CommitRequest request{"incident.commented",     current,     next, next.events.front(),
                          nlohmann::json::object(), std::nullopt};
    commit(self, request, next, command.reply, [=] {
      if (attempts <= 0) return command.reply(conflict_error());
      run_comment(self, command, attempts - 1, true);
    });
  });
}

void run_delete(IncidentActor* self, const DeleteCommand& command, int attempts, bool refresh) {
  with_incident(self, refresh, command.reply, [=](const Incident& current) {
    if (precondition_fails(command.if_match, current)) {
      if (!refresh) return run_delete(self, command, attempts, true);
      return command.reply(precondition_failed(current));
    }
    CommitRequest request{"incident.deleted",       current,     std::nullopt, std::nullopt,
                          nlohmann::json::object(), std::nullopt};
    commit(self, request, mark_deleted(current), command.reply, [=] {
      if (attempts <= 0) return command.reply(conflict_error());
      run_delete(self, command, attempts - 1, true);
    });
  });
}

caf::behavior incident_behavior(IncidentActor* self, Id id, caf::actor storage) {
  self->state.id = id;
  self->state.storage = std::move(storage);
  return {
      [=](get_atom, const GetCommand& command) {
        with_incident(self, false, command.reply,
                      [=](const Incident& current) { command.reply(current); });
      },
      [=](update_atom, const UpdateCommand& command) {
        Reply<Incident> reply = [inner = command.reply](Result<Incident> result) {
          inner(result ? std::move(result)
                       : with_message(result.error(), "Incident update failed"));
        };
        run_update(self, UpdateCommand{command.request, command.if_match, reply}, kConflictRetries,
                   false);
      },
      [=](comment_atom, const CommentCommand& command) {
        run_comment(self, command, kConflictRetries, false);
      },
      [=](delete_atom, const DeleteCommand& command) {
        run_delete(self, command, kConflictRetries, false);
      },
      [=](refresh_atom, const Incident& stored) {
        if (!self->state.cached || self->state.cached->version < stored.version)
          self->state.cached = stored;
      },
      [=](feed_atom, std::int64_t version) {
        // Another process committed a newer version: reload on next use.
        if (self->state.cached && self->state.cached->version < version) self->state.cached.reset();
      },
      [=](retire_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_incident_actor(caf::event_based_actor* parent, Id id, caf::actor storage) {
  return parent->spawn(incident_behavior, id, std::move(storage));
}

}  // namespace incident
