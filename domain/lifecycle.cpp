// The incident lifecycle: pure functions from an incident and a validated request
// to the next incident, its version and the event that records the change.
//
//     +--------+     +---------------+     +--------+     +----------+
//     | active | --> | investigating | --> | stable | --> | resolved |
//     +--------+     +---------------+     +--------+     +----------+
//       ^   |          investigation_date   stable_date    resolve_date
//       |   +------ skip ahead: stamps every skipped state's date ----^
//       +-------- reopen: any lower status, clears the dates above ---+
//
// Invariant: a state's date is set if and only if the status is at or above it.
#include "domain/lifecycle.hpp"

#include <string>

#include "domain/dates.hpp"

namespace incident {
namespace {

using nlohmann::json;

// Each state above active and the date that records when it was reached.
struct StateDate {
  Status state;
  const char* field;
  std::optional<Minute> Incident::*date;
  FieldUpdate<Minute> UpdateRequest::*update;
};

const StateDate kStateDates[] = {
    {Status::investigating, "investigation_date", &Incident::investigation_date,
     &UpdateRequest::investigation_date},
    {Status::stable, "stable_date", &Incident::stable_date, &UpdateRequest::stable_date},
    {Status::resolved, "resolve_date", &Incident::resolve_date, &UpdateRequest::resolve_date},
};

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json date_json(const std::optional<Minute>& value) {
  return value ? json(format_date(*value)) : json(nullptr);
}

template <class T>
void apply_field(std::optional<T>& target, const FieldUpdate<T>& update) {
  if (update.present) target = update.value;
}

// Sets one state's date in `next` (whose status is final) and records a reason
// when the request asks for something the lifecycle forbids.
void apply_state_date(const StateDate& sd, const Incident& current, const UpdateRequest& request,
                      Minute now, Incident& next, Reasons& reasons) {
  const FieldUpdate<Minute>& wanted = request.*sd.update;
  const std::optional<Minute>& stored = current.*sd.date;
  std::optional<Minute>& date = next.*sd.date;
  const bool given = wanted.present && wanted.value.has_value();
  if (next.status >= sd.state) {
    // Only dates a client gave are checked: stamping `now` before a future
    // start_impact_date is what actually happened.
    if (given && *wanted.value < next.start_impact_date) {
      reasons[sd.field].push_back("Date must not be earlier than start_impact_date.");
    }
    // A clear is ignored: the date is set for as long as the status is reached.
    date = given ? wanted.value : (stored ? stored : std::optional<Minute>(now));
    return;
  }
  date = std::nullopt;
  // Clients post back every attribute they read, so the stored value is no
  // request to keep it; only a new value is a real contradiction.
  if (given && wanted.value != stored) {
    reasons[sd.field].push_back("The incident must be in " + std::string(to_string(sd.state)) +
                                " state.");
  }
}

// {field: [old, new]} for every field that differs between two incidents.
json diff(const Incident& a, const Incident& b) {
  json changes = json::object();
  const auto note = [&changes](const char* field, json before, json after) {
    if (before != after) changes[field] = json::array({std::move(before), std::move(after)});
  };
  note("name", a.name, b.name);
  note("description", optional_json(a.description), optional_json(b.description));
  note("external_reference", optional_json(a.external_reference),
       optional_json(b.external_reference));
  note("external_link", optional_json(a.external_link), optional_json(b.external_link));
  note("status", to_string(a.status), to_string(b.status));
  note("severity", to_string(a.severity), to_string(b.severity));
  note("scope", a.scope, b.scope);
  note("service", a.service, b.service);
  note("start_impact_date", format_date(a.start_impact_date), format_date(b.start_impact_date));
  for (const StateDate& sd : kStateDates) {
    note(sd.field, date_json(a.*sd.date), date_json(b.*sd.date));
  }
  return changes;
}

// The created fields, as the create event lists them.
json created_fields(const Incident& incident) {
  json fields = {{"name", incident.name},
                 {"severity", to_string(incident.severity)},
                 {"scope", incident.scope},
                 {"service", incident.service},
                 {"start_impact_date", format_date(incident.start_impact_date)},
                 {"status", to_string(incident.status)}};
  if (incident.description) fields["description"] = *incident.description;
  if (incident.external_reference) fields["external_reference"] = *incident.external_reference;
  if (incident.external_link) fields["external_link"] = *incident.external_link;
  return fields;
}

void prepend(Incident& incident, Event event) { incident.events.push_front(std::move(event)); }

}  // namespace

Incident create_incident(const CreateRequest& request, Id id, Minute now) {
  Incident incident;
  incident.id = id;
  incident.version = 1;
  incident.name = request.name;
  incident.description = request.description;
  incident.external_reference = request.external_reference;
  incident.external_link = request.external_link;
  incident.status = Status::active;
  incident.severity = request.severity;
  incident.scope = request.scope;
  incident.service = request.service;
  incident.creation_date = now;
  incident.start_impact_date = request.start_impact_date.value_or(now);
  prepend(incident, Event{"create", created_fields(incident).dump(), true, now});
  return incident;
}

json creation_changes(const Incident& created) {
  const json fields = created_fields(created);
  json changes = json::object();
  for (const auto& [field, value] : fields.items()) changes[field] = {nullptr, value};
  return changes;
}

Result<Change> apply_update(const Incident& current, const UpdateRequest& request, Minute now) {
  Incident next = current;
  next.name = request.name;
  next.severity = request.severity;
  next.status = request.status;
  next.scope = request.scope;
  next.service = request.service;
  apply_field(next.description, request.description);
  apply_field(next.external_reference, request.external_reference);
  apply_field(next.external_link, request.external_link);
  if (request.start_impact_date) next.start_impact_date = *request.start_impact_date;

  Reasons reasons;
  for (const StateDate& sd : kStateDates) {
    apply_state_date(sd, current, request, now, next, reasons);
  }
  if (!reasons.empty()) return Error{ErrorKind::invalid, "Incident update failed", reasons};

  json changes = diff(current, next);
  if (changes.empty()) return Change{current, std::move(changes)};
  next.version = current.version + 1;
  prepend(next, Event{"update", changes.dump(), true, now});
  return Change{std::move(next), std::move(changes)};
}

Incident add_comment(const Incident& current, const CommentRequest& request, Minute now) {
  Incident next = current;
  next.version = current.version + 1;
  prepend(next, Event{"comment", request.comment, request.internal, now});
  return next;
}

Incident mark_deleted(const Incident& current) {
  Incident gone = current;
  gone.version = current.version + 1;
  return gone;
}

}  // namespace incident
