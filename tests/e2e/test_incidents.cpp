// End-to-end: creating, reading, updating, commenting and deleting incidents,
// and how each write answers (302 + Location, or the resource with Prefer).
#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;
using IncidentTest = E2eTest;

TEST_F(IncidentTest, CreateAnswers302WithTheAbsoluteUrlOfTheNewIncident) {
  Response response = api().post_form("/api/incident/create",
                                      incident_fields(scope_id(), service_id()), admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  std::string location = response.header_or_empty("Location");
  EXPECT_EQ(location.rfind(api().base_url() + "/api/incident/", 0), 0u) << location;
  long long id = id_from_location(location);
  ASSERT_GT(id, 0) << location;
  EXPECT_EQ(admin_view(id)["id"], id);
}

TEST_F(IncidentTest, CreateWithPreferAnswers201WithTheIncidentAndItsLocation) {
  Fields fields = incident_fields(scope_id(), service_id());
  Response response =
      api().post_form("/api/incident/create", fields, admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 201) << response.describe();
  EXPECT_TRUE(response.is_json());
  json incident = response.json();
  ASSERT_TRUE(incident.is_object()) << response.body;
  EXPECT_EQ(response.header_or_empty("Location"),
            api().base_url() + incident_path(incident["id"].get<long long>()));
  EXPECT_EQ(incident["name"], fields[2].second);
}

TEST_F(IncidentTest, ANewIncidentIsActiveAtVersionOneWithOneInternalCreateEvent) {
  json incident = new_incident({{"severity", "critical"}});
  ASSERT_TRUE(incident.is_object());
  EXPECT_EQ(incident["status"], "active");
  EXPECT_EQ(incident["severity"], "critical");
  EXPECT_EQ(incident["version"], 1);
  ASSERT_EQ(incident["events"].size(), 1u) << incident.dump();
  EXPECT_EQ(incident["events"][0]["type"], "create");
  EXPECT_EQ(incident["events"][0]["internal"], true);
  EXPECT_TRUE(incident["investigation_date"].is_null());
  EXPECT_TRUE(incident["stable_date"].is_null());
  EXPECT_TRUE(incident["resolve_date"].is_null());
}

TEST_F(IncidentTest, AnIncidentHasEveryFieldOfTheContractAndAbsoluteLinks) {
  json incident = new_incident({{"description", "Primary database unreachable"},
                                {"external_reference", "INC0000123"},
                                {"external_link", "https://tracker.example.org/INC0000123"}});
  ASSERT_TRUE(incident.is_object());
  for (const char* key :
       {"creation_date", "description", "events", "external_link", "external_reference", "id",
        "investigation_date", "links", "name", "resolve_date", "scope", "service", "severity",
        "stable_date", "start_impact_date", "status", "version"})
    EXPECT_TRUE(incident.contains(key)) << key << " missing in " << incident.dump();
  std::string base = api().base_url();
  EXPECT_EQ(incident["links"]["self"], base + incident_path(incident["id"].get<long long>()));
  EXPECT_EQ(incident["links"]["scope"], base + "/api/scope/" + std::to_string(scope_id()));
  EXPECT_EQ(incident["links"]["service"], base + "/api/service/" + std::to_string(service_id()));
  EXPECT_EQ(incident["scope"], scope_id());
  EXPECT_EQ(incident["external_reference"], "INC0000123");
}

TEST_F(IncidentTest, StartImpactDateDefaultsToNowAtMinutePrecision) {
  std::string before = utc_now_minute();
  json incident = new_incident();
  std::string after = utc_now_minute();
  ASSERT_TRUE(incident.is_object());
  std::string start = incident["start_impact_date"];
  EXPECT_EQ(start.size(), 16u) << start;
  EXPECT_GE(minutes_between(before, start), 0) << start;
  EXPECT_GE(minutes_between(start, after), 0) << start;
  EXPECT_EQ(incident["creation_date"].get<std::string>().size(), 16u);
}

TEST_F(IncidentTest, AbsoluteUrlsAreBuiltFromTheRequestHost) {
  Headers headers = {{"Host", "incidents.example.org"}};
  Response response = api().post_form(
      "/api/incident/create", incident_fields(scope_id(), service_id()), admin_token(), headers);
  ASSERT_EQ(response.status, 302) << response.describe();
  long long id = id_from_location(response.header_or_empty("Location"));
  EXPECT_EQ(response.header_or_empty("Location"),
            "http://incidents.example.org" + incident_path(id));
  Response read = api().get(incident_path(id), admin_token(), headers);
  EXPECT_EQ(read.json()["links"]["self"], "http://incidents.example.org" + incident_path(id));
}

TEST_F(IncidentTest, GetAnswersJsonWithTheVersionAsETag) {
  json incident = new_incident();
  Response response = api().get(incident_path(incident["id"].get<long long>()), admin_token());
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.is_json()) << response.header_or_empty("Content-Type");
  EXPECT_EQ(response.header_or_empty("ETag"), "\"1\"");
  EXPECT_EQ(response.json(), incident);
}

TEST_F(IncidentTest, GetOfAnUnknownIncidentIs404Json) {
  Response response = api().get("/api/incident/987654321", admin_token());
  EXPECT_EQ(response.status, 404) << response.describe();
  EXPECT_TRUE(response.is_json());
  EXPECT_TRUE(response.json().contains("message")) << response.body;
}

TEST_F(IncidentTest, UpdateAnswers302ToTheIncidentAndChangesIt) {
  json incident = new_incident();
  long long id = incident["id"];
  Fields fields = update_fields(incident, {{"name", "Renamed incident"}, {"severity", "high"}});
  Response response = api().post_form(incident_path(id) + "/update", fields, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + incident_path(id));
  json updated = admin_view(id);
  EXPECT_EQ(updated["name"], "Renamed incident");
  EXPECT_EQ(updated["severity"], "high");
  EXPECT_EQ(updated["version"], 2);
}

TEST_F(IncidentTest, UpdateWithPreferAnswers200WithTheUpdatedIncident) {
  json incident = new_incident();
  long long id = incident["id"];
  Response response =
      api().post_form(incident_path(id) + "/update", update_fields(incident, {{"severity", "low"}}),
                      admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + incident_path(id));
  EXPECT_EQ(response.json()["severity"], "low");
  EXPECT_EQ(response.json(), admin_view(id));
}

TEST_F(IncidentTest, UpdateWithTheCurrentETagInIfMatchSucceeds) {
  json incident = new_incident();
  long long id = incident["id"];
  Headers headers = {{"If-Match", "\"1\""}};
  Response response =
      api().post_form(incident_path(id) + "/update",
                      update_fields(incident, {{"severity", "high"}}), admin_token(), headers);
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(api().get(incident_path(id), admin_token()).header_or_empty("ETag"), "\"2\"");
}

TEST_F(IncidentTest, UpdateWithAStaleIfMatchIs412AndChangesNothing) {
  json incident = new_incident();
  long long id = incident["id"];
  Headers headers = {{"If-Match", "\"7\""}};
  Response response =
      api().post_form(incident_path(id) + "/update",
                      update_fields(incident, {{"severity", "high"}}), admin_token(), headers);
  EXPECT_EQ(response.status, 412) << response.describe();
  EXPECT_TRUE(response.is_json());
  EXPECT_EQ(admin_view(id), incident);
}

TEST_F(IncidentTest, ACommentWithIfMatchIsKeptOnceAndItsStaleRetryIs412) {
  json incident = new_incident();
  long long id = incident["id"];
  Headers follows_version_1 = {{"If-Match", "\"1\""}};
  Response first = api().post_form(incident_path(id) + "/comment", {{"comment", "once only"}},
                                   admin_token(), follows_version_1);
  ASSERT_EQ(first.status, 302) << first.describe();
  EXPECT_EQ(first.header_or_empty("ETag"), "\"2\"");
  // A client that did not see the answer retries the same request: refused,
  // and the comment stays there once.
  Response retry = api().post_form(incident_path(id) + "/comment", {{"comment", "once only"}},
                                   admin_token(), follows_version_1);
  EXPECT_EQ(retry.status, 412) << retry.describe();
  EXPECT_TRUE(names_field(retry.json(), "If-Match")) << retry.describe();
  json now = admin_view(id);
  EXPECT_EQ(now["version"], 2);
  EXPECT_EQ(events_of_type(now, "comment").size(), 1u);
  Response malformed = api().post_form(incident_path(id) + "/comment", {{"comment", "x"}},
                                       admin_token(), Headers{{"If-Match", "soon"}});
  EXPECT_EQ(malformed.status, 400) << malformed.describe();
  EXPECT_TRUE(names_field(malformed.json(), "If-Match")) << malformed.describe();
}

TEST_F(IncidentTest, AbsentOptionalFieldsKeepTheirValueAndEmptyOnesAreCleared) {
  json incident = new_incident({{"description", "kept"}, {"external_reference", "REF-1"}});
  long long id = incident["id"];
  Fields fields = update_fields(incident, {{"external_reference", ""}});
  Response response = api().post_form(incident_path(id) + "/update", fields, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  json updated = admin_view(id);
  EXPECT_EQ(updated["description"], "kept");
  EXPECT_TRUE(updated["external_reference"].is_null() || updated["external_reference"] == "")
      << updated["external_reference"];
}

TEST_F(IncidentTest, CommentAnswers302ToTheIncidentAndAppendsAPublicComment) {
  json incident = new_incident();
  long long id = incident["id"];
  Response response = api().post_form(incident_path(id) + "/comment",
                                      {{"comment", "Failover started"}}, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + incident_path(id));
  json commented = admin_view(id);
  ASSERT_FALSE(commented["events"].empty());
  EXPECT_EQ(commented["events"][0]["type"], "comment");
  EXPECT_EQ(commented["events"][0]["content"], "Failover started");
  EXPECT_EQ(commented["events"][0]["internal"], false);
  EXPECT_EQ(commented["version"], 2);
}

TEST_F(IncidentTest, AnIncidentWithAHistoryLargerThanTheOutputCapIsReadWhole) {
  // ~18 MiB of history: its GET is one answer beyond the 16 MiB of unsent
  // output a connection may queue (SECURITY.md), and must still be sent whole.
  long long id = new_incident()["id"];
  const std::string words(65536, 'w');  // the longest comment accepted
  ApiClient client = api();
  for (int i = 0; i < 280; ++i) {
    Response commented =
        client.post_form(incident_path(id) + "/comment", {{"comment", words}}, admin_token());
    ASSERT_EQ(commented.status, 302) << commented.describe();
  }
  Response read = client.get(incident_path(id), admin_token());
  ASSERT_EQ(read.status, 200) << read.describe();
  EXPECT_GT(read.body.size(), 16u * 1024 * 1024);
  json incident = read.json();
  ASSERT_EQ(incident["events"].size(), 281u);
  EXPECT_EQ(incident["events"][0]["content"], words);
  EXPECT_EQ(client.get("/health").status, 200);
}

TEST_F(IncidentTest, CommentWithPreferAnswers200WithTheCommentedIncident) {
  json incident = new_incident();
  long long id = incident["id"];
  Response response =
      api().post_form(incident_path(id) + "/comment", {{"comment", "Looking into it"}},
                      admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["events"][0]["content"], "Looking into it");
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + incident_path(id));
}

TEST_F(IncidentTest, DeleteAnswers302ToTheListAndThenTheIncidentIsGone) {
  long long id = new_incident()["id"];
  Response response = api().post_form(incident_path(id) + "/delete", {}, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + "/api/incident");
  EXPECT_EQ(api().get(incident_path(id), admin_token()).status, 404);
}

TEST_F(IncidentTest, DeleteWithPreferAnswers204) {
  long long id = new_incident()["id"];
  Response response =
      api().post_form(incident_path(id) + "/delete", {}, admin_token(), kPreferRepresentation);
  EXPECT_EQ(response.status, 204) << response.describe();
  EXPECT_EQ(api().get(incident_path(id), admin_token()).status, 404);
}

TEST_F(IncidentTest, WritesToAnUnknownIncidentAre404) {
  json incident = new_incident();
  std::string path = incident_path(987654321);
  EXPECT_EQ(api().post_form(path + "/update", update_fields(incident), admin_token()).status, 404);
  EXPECT_EQ(api().post_form(path + "/comment", {{"comment", "hello"}}, admin_token()).status, 404);
  EXPECT_EQ(api().post_form(path + "/delete", {}, admin_token()).status, 404);
}

TEST_F(IncidentTest, ADeletedIncidentCanNeitherBeUpdatedNorCommented) {
  json incident = new_incident();
  long long id = incident["id"];
  ASSERT_EQ(api().post_form(incident_path(id) + "/delete", {}, admin_token()).status, 302);
  EXPECT_EQ(
      api().post_form(incident_path(id) + "/update", update_fields(incident), admin_token()).status,
      404);
  EXPECT_EQ(
      api().post_form(incident_path(id) + "/comment", {{"comment", "late"}}, admin_token()).status,
      404);
}

}  // namespace
}  // namespace e2e
