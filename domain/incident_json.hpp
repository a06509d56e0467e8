// The JSON shapes of the API: incidents, events, scopes/services, errors.
// nlohmann::json objects keep keys sorted, as the reference does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "domain/incident.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"

namespace incident {

/// Who reads: anonymous readers never see internal events.
enum class Audience { anonymous, token_holder };

class JsonText;

/// The incident as the API shows it (JSON text), with `links` built from
/// base_url (e.g. "http://127.0.0.1:8080", no trailing slash).
std::string incident_json_text(const Incident& incident, const std::string& base_url,
                               Audience audience);

/// The incident's object with `events` in place of its own (the change feed
/// shows only the events a change added).
void write_incident(JsonText& out, const Incident& incident, const EventLog& events,
                    const std::string& base_url, Audience audience);

/// The event's JSON text, as the API shows it.
std::string event_json(const Event& event);

/// A scope or service: kind is "scope" or "service".
nlohmann::json catalog_to_json(const CatalogEntry& entry, long long incidents_count,
                               const std::string& kind, const std::string& base_url);

nlohmann::json error_to_json(const Error& error);

}  // namespace incident
