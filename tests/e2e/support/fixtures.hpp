// Builders for what tests create through the API (scopes, services,
// incidents) and readers for what they get back (ids, error reasons).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.hpp"

namespace e2e {

/// A name no other test uses: prefix, process id and a counter.
std::string unique_name(const std::string& prefix);

/// POST /api/<kind>/create ("scope" or "service") with Prefer; the created
/// entry's JSON, or a discarded value (and a test failure) when it fails.
nlohmann::json create_catalog(const ApiClient& api, const std::string& token,
                              const std::string& kind, const std::string& name = "");

/// The fields of a valid incident creation.
Fields incident_fields(long long scope, long long service);

/// base with every field named in overrides replaced by the overrides' values.
Fields merged(Fields base, const Fields& overrides);

/// base without any field of that name.
Fields without(Fields base, const std::string& name);

/// POST /api/incident/create with Prefer; the created incident, or a
/// discarded value (and a test failure).
nlohmann::json create_incident(const ApiClient& api, const std::string& token,
                               const Fields& fields);

/// GET /api/incident/<id>; the incident, or a discarded value (and a failure).
nlohmann::json fetch_incident(const ApiClient& api, long long id, const std::string& token);

/// The fields an update requires (scope, service, name, severity, status),
/// taken from an incident as the API showed it, then the overrides.
Fields update_fields(const nlohmann::json& incident, const Fields& overrides = {});

std::string incident_path(long long id);

/// The "id" of a created resource, or 0 when creation failed.
long long id_of(const nlohmann::json& resource);

/// The id at the end of a Location URL (".../api/incident/42" -> 42), or -1.
long long id_from_location(const std::string& location);

/// Every item of a list endpoint (whose path may carry filters), page after
/// page, as the client sees them.
struct ListWalk {
  std::vector<nlohmann::json> items;
  long long total = -1;        // x-total of the first page
  long long total_pages = -1;  // x-total-pages of the first page
  bool ok = false;             // every page answered 200 with an items array
};
ListWalk walk_list(const ApiClient& api, const std::string& path, const std::string& token,
                   int per_page);

/// The incident as a list shows it to that reader, or a discarded value.
nlohmann::json find_in_list(const ApiClient& api, long long id, const std::string& token);

/// True when an error body lists `field` among its reasons.
bool names_field(const nlohmann::json& error, const std::string& field);

/// The reasons given for one field (empty when none).
std::vector<std::string> reasons_for(const nlohmann::json& error, const std::string& field);

/// The events of an incident of a given type, newest first.
std::vector<nlohmann::json> events_of_type(const nlohmann::json& incident, const std::string& type);

/// Now in UTC as the API formats dates: "YYYY-MM-DDTHH:MM".
std::string utc_now_minute();

/// Minutes between two API dates (b - a).
long long minutes_between(const std::string& a, const std::string& b);

}  // namespace e2e
