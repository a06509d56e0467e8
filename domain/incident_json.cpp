// The JSON shapes clients read: incidents, events, scopes/services and errors,
// field for field as the reference API shows them (sorted keys, null for unset).
// Incidents, on every read and write, are written as text directly.
#include "domain/incident_json.hpp"

#include "domain/dates.hpp"
#include "domain/json_text.hpp"

namespace incident {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

void write_optional(JsonText& out, const char* name, const std::optional<std::string>& value) {
  out.key(name);
  if (value) {
    out.string(*value);
  } else {
    out.null();
  }
}

void write_date(JsonText& out, const char* name, const std::optional<Minute>& value) {
  out.key(name);
  if (value) {
    out.string(format_date(*value));
  } else {
    out.null();
  }
}

void write_event(JsonText& out, const Event& event) {
  out.begin_object()
      .key("content")
      .string(event.content)
      .key("creation_date")
      .string(format_date(event.creation_date))
      .key("internal")
      .boolean(event.internal)
      .key("type")
      .string(event.type)
      .end_object();
}

}  // namespace

std::string event_json(const Event& event) {
  JsonText out;
  write_event(out, event);
  return out.take();
}

// Keys in sorted order, as the reference API (and nlohmann's documents) print them.
void write_incident(JsonText& out, const Incident& incident, const EventLog& events,
                    const std::string& base_url, Audience audience) {
  const std::string id = std::to_string(incident.id);
  out.begin_object().key("creation_date").string(format_date(incident.creation_date));
  write_optional(out, "description", incident.description);
  out.key("events").begin_array();
  // Anonymous readers must not even learn that internal events exist, so
  // they are dropped rather than redacted.
  for (auto it = events.begin(); it != events.end(); ++it)
    if (!it->internal || audience == Audience::token_holder) out.raw(it.json());
  out.end_array();
  write_optional(out, "external_link", incident.external_link);
  write_optional(out, "external_reference", incident.external_reference);
  out.key("id").integer(incident.id);
  write_date(out, "investigation_date", incident.investigation_date);
  out.key("links")
      .begin_object()
      .key("scope")
      .string(base_url + "/api/scope/" + std::to_string(incident.scope))
      .key("self")
      .string(base_url + "/api/incident/" + id)
      .key("service")
      .string(base_url + "/api/service/" + std::to_string(incident.service))
      .end_object();
  out.key("name").string(incident.name);
  write_date(out, "resolve_date", incident.resolve_date);
  out.key("scope").integer(incident.scope);
  out.key("service").integer(incident.service);
  out.key("severity").string(to_string(incident.severity));
  write_date(out, "stable_date", incident.stable_date);
  out.key("start_impact_date").string(format_date(incident.start_impact_date));
  out.key("status").string(to_string(incident.status));
  out.key("version").integer(incident.version);
  out.end_object();
}

std::string incident_json_text(const Incident& incident, const std::string& base_url,
                               Audience audience) {
  JsonText out;
  write_incident(out, incident, incident.events, base_url, audience);
  return out.take();
}

json catalog_to_json(const CatalogEntry& entry, long long incidents_count, const std::string& kind,
                     const std::string& base_url) {
  const std::string id = std::to_string(entry.id);
  return {{"description", optional_json(entry.description)},
          {"id", entry.id},
          {"incidents_count", incidents_count},
          {"links",
           {{"incidents", base_url + "/api/incident?" + kind + "=" + id},
            {"self", base_url + "/api/" + kind + "/" + id}}},
          {"name", entry.name}};
}

json error_to_json(const Error& error) {
  // reasons is always an object, so clients can index it without a check.
  json reasons = json::object();
  for (const auto& [field, whys] : error.reasons) reasons[field] = whys;
  return {{"message", error.message}, {"reasons", reasons}};
}

}  // namespace incident
