// Builders and readers shared by the e2e tests. Failures are reported with
// ADD_FAILURE and a discarded JSON value so a test can stop at its next assert.
#include "fixtures.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <ctime>

namespace e2e {

using nlohmann::json;

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + " " + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

json create_catalog(const ApiClient& api, const std::string& token, const std::string& kind,
                    const std::string& name) {
  Fields fields = {{"name", name.empty() ? unique_name(kind) : name},
                   {"description", "created by the e2e tests"}};
  Response response =
      api.post_form("/api/" + kind + "/create", fields, token, kPreferRepresentation);
  if (response.status != 201 || !response.json().is_object()) {
    ADD_FAILURE() << "creating a " << kind << " failed: " << response.describe();
    return json(json::value_t::discarded);
  }
  return response.json();
}

Fields incident_fields(long long scope, long long service) {
  return {{"scope", std::to_string(scope)},
          {"service", std::to_string(service)},
          {"name", unique_name("Incident")},
          {"severity", "moderate"}};
}

Fields merged(Fields base, const Fields& overrides) {
  for (const auto& [name, value] : overrides) base = without(base, name);
  base.insert(base.end(), overrides.begin(), overrides.end());
  return base;
}

Fields without(Fields base, const std::string& name) {
  Fields kept;
  for (auto& field : base) {
    if (field.first != name) kept.push_back(std::move(field));
  }
  return kept;
}

json create_incident(const ApiClient& api, const std::string& token, const Fields& fields) {
  Response response = api.post_form("/api/incident/create", fields, token, kPreferRepresentation);
  if (response.status != 201 || !response.json().is_object()) {
    ADD_FAILURE() << "creating an incident failed: " << response.describe();
    return json(json::value_t::discarded);
  }
  return response.json();
}

json fetch_incident(const ApiClient& api, long long id, const std::string& token) {
  Response response = api.get(incident_path(id), token);
  if (response.status != 200 || !response.json().is_object()) {
    ADD_FAILURE() << "GET incident " << id << " failed: " << response.describe();
    return json(json::value_t::discarded);
  }
  return response.json();
}

Fields update_fields(const json& incident, const Fields& overrides) {
  Fields fields = {{"scope", std::to_string(incident.value("scope", 0LL))},
                   {"service", std::to_string(incident.value("service", 0LL))},
                   {"name", incident.value("name", "")},
                   {"severity", incident.value("severity", "")},
                   {"status", incident.value("status", "")}};
  return merged(fields, overrides);
}

std::string incident_path(long long id) { return "/api/incident/" + std::to_string(id); }

long long id_of(const json& resource) {
  return resource.is_object() && resource["id"].is_number_integer()
             ? resource["id"].get<long long>()
             : 0;
}

long long id_from_location(const std::string& location) {
  auto slash = location.rfind('/');
  if (slash == std::string::npos || slash + 1 >= location.size()) return -1;
  std::string tail = location.substr(slash + 1);
  if (tail.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(tail);
}

ListWalk walk_list(const ApiClient& api, const std::string& path, const std::string& token,
                   int per_page) {
  ListWalk walk;
  for (long long page = 1;; ++page) {
    std::string target = path + (path.find('?') == std::string::npos ? "?" : "&") +
                         "per_page=" + std::to_string(per_page) + "&page=" + std::to_string(page);
    Response response = api.get(target, token);
    json body = response.json();
    if (response.status != 200 || !body.is_object() || !body["items"].is_array()) return walk;
    if (page == 1) {
      walk.total = std::stoll("0" + response.header_or_empty("x-total"));
      walk.total_pages = std::stoll("0" + response.header_or_empty("x-total-pages"));
    }
    for (auto& item : body["items"]) walk.items.push_back(item);
    if (page >= walk.total_pages) break;
  }
  walk.ok = true;
  return walk;
}

json find_in_list(const ApiClient& api, long long id, const std::string& token) {
  ListWalk walk = walk_list(api, "/api/incident", token, 50);
  for (auto& item : walk.items) {
    if (item.value("id", -1LL) == id) return item;
  }
  ADD_FAILURE() << "incident " << id << " is not in the list";
  return json(json::value_t::discarded);
}

bool names_field(const json& error, const std::string& field) {
  return error.is_object() && error.contains("reasons") && error["reasons"].is_object() &&
         error["reasons"].contains(field);
}

std::vector<std::string> reasons_for(const json& error, const std::string& field) {
  std::vector<std::string> reasons;
  if (!names_field(error, field)) return reasons;
  for (const auto& why : error["reasons"][field]) {
    if (why.is_string()) reasons.push_back(why.get<std::string>());
  }
  return reasons;
}

std::vector<json> events_of_type(const json& incident, const std::string& type) {
  std::vector<json> found;
  if (!incident.is_object() || !incident.contains("events")) return found;
  for (const auto& event : incident["events"]) {
    if (event.value("type", "") == type) found.push_back(event);
  }
  return found;
}

std::string utc_now_minute() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M", &parts);
  return text;
}

long long minutes_between(const std::string& a, const std::string& b) {
  auto to_minutes = [](const std::string& text) {
    std::tm parts{};
    ::strptime(text.c_str(), "%Y-%m-%dT%H:%M", &parts);
    return static_cast<long long>(::timegm(&parts)) / 60;
  };
  return to_minutes(b) - to_minutes(a);
}

}  // namespace e2e
