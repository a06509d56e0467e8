// The JSON shapes of the API: incidents, events, scopes/services, errors.
// nlohmann::json objects keep keys sorted, as the reference does.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/incident.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"

namespace incident {

/// Who reads: anonymous readers never see internal events.
enum class Audience { anonymous, token_holder };

/// The incident as the API shows it, with `links` built from base_url
/// (e.g. "http://127.0.0.1:8080", no trailing slash).
nlohmann::json incident_to_json(const Incident& incident, const std::string& base_url,
                                Audience audience);

nlohmann::json event_to_json(const Event& event);

/// A scope or service: kind is "scope" or "service".
nlohmann::json catalog_to_json(const CatalogEntry& entry, long long incidents_count,
                               const std::string& kind, const std::string& base_url);

nlohmann::json error_to_json(const Error& error);

}  // namespace incident
