// The incident lifecycle: creation, updates, comments and deletion as pure
// functions from the current incident and a validated request to the next one.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/incident.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"

namespace incident {

/// The result of applying a change: the next incident and what changed
/// ({field: [old, new]}); an empty `changes` means nothing changed.
struct Change {
  Incident next;
  nlohmann::json changes = nlohmann::json::object();
  bool changed() const { return !changes.empty(); }
};

/// A new incident: version 1, status active, a "create" event listing the
/// created fields; start_impact_date defaults to `now`.
Incident create_incident(const CreateRequest& request, Id id, Minute now);

/// {field: [null, value]} for every field a creation sets (the change feed's
/// `changes` of an incident.created).
nlohmann::json creation_changes(const Incident& created);

/// Applies an update (see lifecycle.cpp for the rules). An update that changes
/// nothing returns the incident unchanged (same version, no event).
Result<Change> apply_update(const Incident& current, const UpdateRequest& request, Minute now);

/// Appends a comment event and bumps the version.
Incident add_comment(const Incident& current, const CommentRequest& request, Minute now);

/// The incident as it is at deletion: version bumped, for the change feed.
Incident mark_deleted(const Incident& current);

}  // namespace incident
