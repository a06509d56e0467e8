// The JSON shapes clients read: incidents, events, scopes/services and errors,
// field for field as the reference API shows them (sorted keys, null for unset).
#include "domain/incident_json.hpp"

#include "domain/dates.hpp"

namespace incident {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json date_json(const std::optional<Minute>& value) {
  return value ? json(format_date(*value)) : json(nullptr);
}

// Newest first, as stored; anonymous readers must not even learn that internal
// events exist, so they are dropped rather than redacted.
json events_json(const std::vector<Event>& events, Audience audience) {
  json out = json::array();
  for (const Event& event : events) {
    if (event.internal && audience == Audience::anonymous) continue;
    out.push_back(event_to_json(event));
  }
  return out;
}

json incident_links(const Incident& incident, const std::string& base_url) {
  return {{"scope", base_url + "/api/scope/" + std::to_string(incident.scope)},
          {"self", base_url + "/api/incident/" + std::to_string(incident.id)},
          {"service", base_url + "/api/service/" + std::to_string(incident.service)}};
}

}  // namespace

json incident_to_json(const Incident& incident, const std::string& base_url, Audience audience) {
  return {{"creation_date", format_date(incident.creation_date)},
          {"description", optional_json(incident.description)},
          {"events", events_json(incident.events, audience)},
          {"external_link", optional_json(incident.external_link)},
          {"external_reference", optional_json(incident.external_reference)},
          {"id", incident.id},
          {"investigation_date", date_json(incident.investigation_date)},
          {"links", incident_links(incident, base_url)},
          {"name", incident.name},
          {"resolve_date", date_json(incident.resolve_date)},
          {"scope", incident.scope},
          {"service", incident.service},
          {"severity", to_string(incident.severity)},
          {"stable_date", date_json(incident.stable_date)},
          {"start_impact_date", format_date(incident.start_impact_date)},
          {"status", to_string(incident.status)},
          {"version", incident.version}};
}

json event_to_json(const Event& event) {
  return {{"content", event.content},
          {"creation_date", format_date(event.creation_date)},
          {"internal", event.internal},
          {"type", event.type}};
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
