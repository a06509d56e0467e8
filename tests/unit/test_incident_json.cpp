// JSON shapes: the exact key sets of incidents, events, scopes/services and
// errors, their links, and the internal events anonymous readers never see.
#include <gtest/gtest.h>

#include <set>

#include "domain/incident_json.hpp"
#include "lifecycle_fixtures.hpp"

namespace incident {
namespace {

using nlohmann::json;
using test::incident_in;
using test::kNow;

const std::string kBase = "http://host";

/// The incident as clients receive it, read back as a document.
json incident_to_json(const Incident& incident, const std::string& base, Audience audience) {
  return json::parse(incident_json_text(incident, base, audience));
}

std::set<std::string> keys_of(const json& object) {
  std::set<std::string> keys;
  for (const auto& item : object.items()) keys.insert(item.key());
  return keys;
}

Incident incident_with_events() {
  Incident incident = incident_in(Status::investigating);
  incident.events = {Event{"comment", "Failover started", false, kNow + 2},
                     Event{"comment", "Root cause: disk", true, kNow + 1},
                     Event{"create", "{}", true, kNow}};
  return incident;
}

TEST(IncidentToJson, HasExactlyTheReferenceKeys) {
  const json body = incident_to_json(incident_in(Status::active), kBase, Audience::token_holder);
  EXPECT_EQ(keys_of(body),
            (std::set<std::string>{"creation_date", "description", "events", "external_link",
                                   "external_reference", "id", "investigation_date", "links",
                                   "name", "resolve_date", "scope", "service", "severity",
                                   "stable_date", "start_impact_date", "status", "version"}));
}

TEST(IncidentToJson, WritesEveryFieldInItsApiForm) {
  Incident incident = incident_in(Status::investigating);
  incident.description = "Primary database unreachable";
  incident.external_link = "https://tracker.example.org/INC0000123";
  const json body = incident_to_json(incident, kBase, Audience::token_holder);
  EXPECT_EQ(body["creation_date"], "2026-11-27T09:58");
  EXPECT_EQ(body["start_impact_date"], "2026-11-27T09:58");
  EXPECT_EQ(body["investigation_date"], "2026-11-27T10:08");
  EXPECT_EQ(body["description"], "Primary database unreachable");
  EXPECT_EQ(body["external_link"], "https://tracker.example.org/INC0000123");
  EXPECT_EQ(body["id"], 7);
  EXPECT_EQ(body["name"], "Database outage");
  EXPECT_EQ(body["scope"], 1);
  EXPECT_EQ(body["service"], 2);
  EXPECT_EQ(body["severity"], "high");
  EXPECT_EQ(body["status"], "investigating");
  EXPECT_EQ(body["version"], 3);
}

TEST(IncidentToJson, WritesNullForEveryUnsetOptionalField) {
  const json body = incident_to_json(incident_in(Status::active), kBase, Audience::token_holder);
  for (const char* key : {"description", "external_link", "external_reference",
                          "investigation_date", "stable_date", "resolve_date"}) {
    EXPECT_TRUE(body[key].is_null()) << key;
  }
}

TEST(IncidentToJson, LinksToItselfItsScopeAndItsService) {
  const json body = incident_to_json(incident_in(Status::active), kBase, Audience::anonymous);
  EXPECT_EQ(body["links"], (json{{"scope", "http://host/api/scope/1"},
                                 {"self", "http://host/api/incident/7"},
                                 {"service", "http://host/api/service/2"}}));
}

TEST(IncidentToJson, ShowsTokenHoldersEveryEventNewestFirst) {
  const json events =
      incident_to_json(incident_with_events(), kBase, Audience::token_holder)["events"];
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["content"], "Failover started");
  EXPECT_EQ(events[1]["content"], "Root cause: disk");
  EXPECT_EQ(events[2]["type"], "create");
}

TEST(IncidentToJson, HidesInternalEventsFromAnonymousReaders) {
  const json body = incident_to_json(incident_with_events(), kBase, Audience::anonymous);
  ASSERT_EQ(body["events"].size(), 1u);
  EXPECT_EQ(body["events"][0]["content"], "Failover started");
  EXPECT_EQ(body.dump().find("Root cause"), std::string::npos);
}

TEST(IncidentToJson, GivesAnonymousReadersAnEmptyArrayWhenAllEventsAreInternal) {
  const json body = incident_to_json(incident_in(Status::active), kBase, Audience::anonymous);
  EXPECT_EQ(body["events"], json::array());
}

TEST(IncidentToJson, WritesEventsWithContentDateFlagAndType) {
  Incident incident = incident_in(Status::active);
  incident.events = {Event{"update", R"({"status":["active","stable"]})", true, kNow}};
  EXPECT_EQ(incident_to_json(incident, kBase, Audience::token_holder)["events"],
            json::array({{{"content", R"({"status":["active","stable"]})"},
                          {"creation_date", "2026-11-27T12:00"},
                          {"internal", true},
                          {"type", "update"}}}));
}

TEST(IncidentToJson, IsTheCompactSortedTextADocumentWouldPrint) {
  Incident incident = incident_with_events();
  incident.name = "Quote \" backslash \\ tab \t newline \n nul " + std::string(1, '\0') +
                  " bell \x07 del \x7f \xC3\xA9t\xC3\xA9 \xF0\x9F\x94\xA5";
  incident.description = "slash / and \x1f";
  incident.external_reference = "";
  const std::string text = incident_json_text(incident, kBase, Audience::token_holder);
  EXPECT_EQ(json::parse(text).dump(), text);
  EXPECT_EQ(json::parse(text)["name"], incident.name);
}

TEST(IncidentToJson, ReplacesIllFormedUtf8InsteadOfWritingIt) {
  Incident incident = incident_in(Status::active);
  incident.name = "bad \xC3 lead, stray \x80, surrogate \xED\xA0\x80 end";
  const std::string text = incident_json_text(incident, kBase, Audience::token_holder);
  json body = json::parse(text);  // throws on ill-formed UTF-8
  EXPECT_EQ(body["name"].get<std::string>().rfind("bad \xEF\xBF\xBD lead", 0), 0u);
  EXPECT_NE(body["name"].get<std::string>().find(" end"), std::string::npos);
}

TEST(CatalogToJson, MatchesTheReferenceShapeOfAScope) {
  const CatalogEntry scope{1, "France DC01", "France datacenter - zone 01"};
  EXPECT_EQ(catalog_to_json(scope, 9, "scope", kBase),
            json::parse(R"({"description": "France datacenter - zone 01", "id": 1,
                "incidents_count": 9, "links": {"incidents": "http://host/api/incident?scope=1",
                "self": "http://host/api/scope/1"}, "name": "France DC01"})"));
}

TEST(CatalogToJson, LinksAServiceToItsIncidentsAndWritesANullDescription) {
  const json body = catalog_to_json(CatalogEntry{5, "Billing", std::nullopt}, 0, "service", kBase);
  EXPECT_TRUE(body["description"].is_null());
  EXPECT_EQ(body["incidents_count"], 0);
  EXPECT_EQ(body["links"]["incidents"], "http://host/api/incident?service=5");
  EXPECT_EQ(body["links"]["self"], "http://host/api/service/5");
}

TEST(ErrorToJson, ListsTheReasonsOfEveryField) {
  const Error error{ErrorKind::invalid,
                    "Incident creation failed",
                    {{"scope", {"This field is required."}},
                     {"name", {"Field must be at least 4 characters long."}}}};
  EXPECT_EQ(error_to_json(error),
            json::parse(R"({"message": "Incident creation failed", "reasons": {
                "name": ["Field must be at least 4 characters long."],
                "scope": ["This field is required."]}})"));
}

TEST(ErrorToJson, AlwaysHasAReasonsObject) {
  const json body = error_to_json(Error{ErrorKind::not_found, "Incident not found", {}});
  EXPECT_EQ(body.dump(), R"({"message":"Incident not found","reasons":{}})");
}

}  // namespace
}  // namespace incident
