// Incidents in a known state for the lifecycle tests: each reached state's date
// is a distinct, recognisable minute after the start of impact.
#pragma once

#include "domain/dates.hpp"
#include "domain/incident.hpp"
#include "domain/requests.hpp"

namespace incident::test {

inline const Minute kStart = *parse_date("2026-11-27T09:58");
inline const Minute kNow = *parse_date("2026-11-27T12:00");

inline constexpr Status kStatuses[] = {Status::active, Status::investigating, Status::stable,
                                       Status::resolved};
/// The states that have a date, in lifecycle order.
inline constexpr Status kDatedStates[] = {Status::investigating, Status::stable, Status::resolved};

/// The stored date of a state an incident has reached.
inline Minute reached_at(Status state) { return kStart + 10 * static_cast<int>(state); }

inline std::optional<Minute> Incident::*date_of(Status state) {
  if (state == Status::investigating) return &Incident::investigation_date;
  if (state == Status::stable) return &Incident::stable_date;
  return &Incident::resolve_date;
}

inline FieldUpdate<Minute> UpdateRequest::*update_of(Status state) {
  if (state == Status::investigating) return &UpdateRequest::investigation_date;
  if (state == Status::stable) return &UpdateRequest::stable_date;
  return &UpdateRequest::resolve_date;
}

inline const char* field_of(Status state) {
  if (state == Status::investigating) return "investigation_date";
  if (state == Status::stable) return "stable_date";
  return "resolve_date";
}

/// Incident 7 at `status`, with the date of every state it has reached.
inline Incident incident_in(Status status) {
  Incident i;
  i.id = 7;
  i.version = 3;
  i.name = "Database outage";
  i.severity = Severity::high;
  i.scope = 1;
  i.service = 2;
  i.creation_date = kStart;
  i.start_impact_date = kStart;
  i.status = status;
  for (const Status state : kDatedStates) {
    if (status >= state) i.*date_of(state) = reached_at(state);
  }
  i.events = {Event{"create", "{}", true, kStart}};
  return i;
}

/// An update to `status` that sends only the required fields, as read.
inline UpdateRequest keeping(const Incident& current, Status status) {
  UpdateRequest r;
  r.name = current.name;
  r.severity = current.severity;
  r.status = status;
  r.scope = current.scope;
  r.service = current.service;
  return r;
}

/// An update to `status` that posts back every attribute as read, as clients
/// that edit a whole record do (null dates come back empty, i.e. clear).
inline UpdateRequest posting_back(const Incident& current, Status status) {
  UpdateRequest r = keeping(current, status);
  r.description = FieldUpdate<std::string>{true, current.description};
  r.external_reference = FieldUpdate<std::string>{true, current.external_reference};
  r.external_link = FieldUpdate<std::string>{true, current.external_link};
  r.start_impact_date = current.start_impact_date;
  for (const Status state : kDatedStates) {
    r.*update_of(state) = FieldUpdate<Minute>{true, current.*date_of(state)};
  }
  return r;
}

}  // namespace incident::test
