// End-to-end: every POST accepts form, multipart and JSON bodies alike,
// ignores fields it does not know, keeps UTF-8 intact and rejects broken input.
#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class BodiesTest : public E2eTest {
 protected:
  /// The fields of a create that sets every optional attribute too.
  static Fields full_create(const std::string& name) {
    return merged(incident_fields(scope_id(), service_id()),
                  {{"name", name},
                   {"description", "Primary database unreachable"},
                   {"external_reference", "INC0000123"},
                   {"external_link", "https://tracker.example.org/INC0000123"},
                   {"severity", "high"},
                   {"start_impact_date", "2025-03-04T05:06"}});
  }

  static json created(const Response& response) {
    EXPECT_EQ(response.status, 201) << response.describe();
    return response.json();
  }

  /// The attributes a create sets, to compare incidents made differently.
  static json attributes(const json& incident) {
    json picked;
    for (const char* key : {"description", "external_reference", "external_link", "severity",
                            "start_impact_date", "scope", "service", "status"})
      picked[key] = incident.value(key, json());
    return picked;
  }
};

TEST_F(BodiesTest, FormMultipartAndJsonBodiesCreateTheSameIncident) {
  json from_form = created(api().post_form("/api/incident/create", full_create(unique_name("f")),
                                           admin_token(), kPreferRepresentation));
  json from_multipart = created(api().post_multipart(
      "/api/incident/create", full_create(unique_name("m")), admin_token(), kPreferRepresentation));
  json body = {{"scope", scope_id()}, {"service", service_id()}};
  for (const auto& [name, value] : full_create(unique_name("j")))
    if (name != "scope" && name != "service") body[name] = value;
  json from_json =
      created(api().post_json("/api/incident/create", body, admin_token(), kPreferRepresentation));
  EXPECT_EQ(attributes(from_form)["external_link"], "https://tracker.example.org/INC0000123");
  EXPECT_EQ(attributes(from_multipart), attributes(from_form));
  EXPECT_EQ(attributes(from_json), attributes(from_form));
}

TEST_F(BodiesTest, UpdateAndCommentAcceptMultipartAndJson) {
  json incident = new_incident();
  long long id = incident["id"];
  Response multipart =
      api().post_multipart(incident_path(id) + "/update",
                           update_fields(incident, {{"severity", "minor"}}), admin_token());
  EXPECT_EQ(multipart.status, 302) << multipart.describe();
  json update = {{"scope", scope_id()},
                 {"service", service_id()},
                 {"name", "Json renamed"},
                 {"severity", "minor"},
                 {"status", "investigating"}};
  EXPECT_EQ(api().post_json(incident_path(id) + "/update", update, admin_token()).status, 302);
  EXPECT_EQ(
      api().post_json(incident_path(id) + "/comment", {{"comment", "json"}}, admin_token()).status,
      302);
  json now = admin_view(id);
  EXPECT_EQ(now["name"], "Json renamed");
  EXPECT_EQ(now["status"], "investigating");
  EXPECT_EQ(now["events"][0]["content"], "json");
}

TEST_F(BodiesTest, JsonBooleansSayWhetherACommentIsInternal) {
  long long id = new_incident()["id"];
  std::string path = incident_path(id) + "/comment";
  api().post_json(path, {{"comment", "secret"}, {"internal", true}}, admin_token());
  EXPECT_EQ(admin_view(id)["events"][0]["internal"], true);
  api().post_json(path, {{"comment", "open"}, {"internal", false}}, admin_token());
  EXPECT_EQ(admin_view(id)["events"][0]["internal"], false);
}

TEST_F(BodiesTest, TokenCreateAcceptsJsonWithAPermissionList) {
  json body = {{"secret", secret()},
               {"name", "json token"},
               {"description", "from json"},
               {"permission", {"incident_api", "service_api"}}};
  Response response = api().post_json("/api/token/create", body);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(jwt_claims(response.json().get<std::string>())["permissions"],
            json::array({"incident_api", "service_api"}));
}

TEST_F(BodiesTest, TokenCreateAcceptsMultipartWithRepeatedPermissions) {
  Fields fields = {{"secret", secret()},
                   {"name", "multipart token"},
                   {"description", "from multipart"},
                   {"permission", "scope_api"},
                   {"permission", "incident_api"}};
  Response response = api().post_multipart("/api/token/create", fields);
  ASSERT_EQ(response.status, 200) << response.describe();
  json permissions = jwt_claims(response.json().get<std::string>())["permissions"];
  EXPECT_EQ(permissions.size(), 2u) << permissions.dump();
}

TEST_F(BodiesTest, UnknownFormFieldsAreIgnored) {
  Fields fields =
      merged(incident_fields(scope_id(), service_id()), {{"id", "424242"},
                                                         {"version", "99"},
                                                         {"links", "self"},
                                                         {"events", "content"},
                                                         {"creation_date", "2001-01-01T00:00"},
                                                         {"colour", "blue"}});
  json incident = created(
      api().post_form("/api/incident/create", fields, admin_token(), kPreferRepresentation));
  EXPECT_EQ(incident["version"], 1);
  EXPECT_NE(incident["id"], 424242);
  EXPECT_NE(incident["creation_date"], "2001-01-01T00:00");
  EXPECT_FALSE(incident.contains("colour"));
}

TEST_F(BodiesTest, PostingBackAWholeIncidentAsJsonChangesOnlyWhatChanged) {
  json incident = new_incident();
  json body = incident;  // links (object), events (array), id, version... all posted back
  body["severity"] = "critical";
  Response response = api().post_json(incident_path(incident["id"].get<long long>()) + "/update",
                                      body, admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 200) << response.describe();
  json updated = response.json();
  EXPECT_EQ(updated["severity"], "critical");
  EXPECT_EQ(updated["version"], 2);
  json changes = json::parse(updated["events"][0].value("content", ""), nullptr, false);
  EXPECT_EQ(changes, json({{"severity", {"moderate", "critical"}}})) << changes.dump();
}

TEST_F(BodiesTest, AJsonBodyThatIsNotJsonIs400) {
  Response response = api().post_bytes("/api/incident/create", "application/json",
                                       "{\"name\": \"unterminated", admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(response.is_json());
}

TEST_F(BodiesTest, AJsonBodyThatIsNotAnObjectIs400) {
  for (const char* body : {"[1, 2, 3]", "\"a string\"", "42", "null"}) {
    Response response =
        api().post_bytes("/api/incident/create", "application/json", body, admin_token());
    EXPECT_EQ(response.status, 400) << body << ": " << response.describe();
  }
}

TEST_F(BodiesTest, AnEmptyBodyIsAnIncidentWithNoFields) {
  Response response = api().post_bytes("/api/incident/create", "application/x-www-form-urlencoded",
                                       "", admin_token());
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(reasons_for(response.json(), "name"),
            std::vector<std::string>{"This field is required."});
}

TEST_F(BodiesTest, ContentTypeParametersAreAccepted) {
  Fields fields = incident_fields(scope_id(), service_id());
  Response form =
      api().post_bytes("/api/incident/create", "application/x-www-form-urlencoded; charset=UTF-8",
                       form_encode(fields), admin_token());
  EXPECT_EQ(form.status, 302) << form.describe();
  json body = {{"scope", scope_id()},
               {"service", service_id()},
               {"name", unique_name("j")},
               {"severity", "low"}};
  Response json_response = api().post_bytes(
      "/api/incident/create", "application/json; charset=utf-8", body.dump(), admin_token());
  EXPECT_EQ(json_response.status, 302) << json_response.describe();
}

TEST_F(BodiesTest, Utf8TextSurvivesEveryBodyKind) {
  std::string name =
      unique_name("Panne \xC3\xA9lectrique \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x9A\x92");
  json from_form = created(api().post_form(
      "/api/incident/create", merged(incident_fields(scope_id(), service_id()), {{"name", name}}),
      admin_token(), kPreferRepresentation));
  EXPECT_EQ(from_form["name"], name);
  EXPECT_EQ(admin_view(from_form["id"])["name"], name);
  long long id = from_form["id"];
  api().post_multipart(incident_path(id) + "/comment", {{"comment", "\xC3\xA0 bient\xC3\xB4t"}},
                       admin_token());
  EXPECT_EQ(admin_view(id)["events"][0]["content"], "\xC3\xA0 bient\xC3\xB4t");
  api().post_json(incident_path(id) + "/comment", {{"comment", "\xE2\x9C\x93 ok"}}, admin_token());
  EXPECT_EQ(admin_view(id)["events"][0]["content"], "\xE2\x9C\x93 ok");
}

TEST_F(BodiesTest, PlusInAFormIsASpaceAndAnEscapedPlusIsAPlus) {
  std::string fields = form_encode(without(incident_fields(scope_id(), service_id()), "name"));
  fields += "&name=Disk+full+on+db%2B1";
  Response response = api().post_bytes("/api/incident/create", "application/x-www-form-urlencoded",
                                       fields, admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 201) << response.describe();
  EXPECT_EQ(response.json()["name"], "Disk full on db+1");
}

TEST_F(BodiesTest, InvalidUtf8InAFormFieldNamesTheField) {
  std::string fields = form_encode(without(incident_fields(scope_id(), service_id()), "name"));
  fields += "&name=Broken%FF%FEname";
  Response response = api().post_bytes("/api/incident/create", "application/x-www-form-urlencoded",
                                       fields, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
}

TEST_F(BodiesTest, InvalidUtf8InAMultipartFieldNamesTheField) {
  Fields fields = merged(incident_fields(scope_id(), service_id()),
                         {{"description", "overlong \xC0\xAF slash"}});
  Response response = api().post_multipart("/api/incident/create", fields, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "description")) << response.body;
}

TEST_F(BodiesTest, InvalidUtf8InACommentIsRejected) {
  long long id = new_incident()["id"];
  Response response = api().post_form(incident_path(id) + "/comment",
                                      {{"comment", "surrogate \xED\xA0\x80 here"}}, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "comment")) << response.body;
  EXPECT_EQ(admin_view(id)["version"], 1);
}

TEST_F(BodiesTest, InvalidUtf8InAJsonBodyIs400) {
  std::string body = "{\"scope\": " + std::to_string(scope_id()) +
                     ", \"service\": " + std::to_string(service_id()) +
                     ", \"severity\": \"low\", \"name\": \"bad \xFF bytes\"}";
  Response response =
      api().post_bytes("/api/incident/create", "application/json", body, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
}

TEST_F(BodiesTest, ABodyOverOneMebibyteIs413) {
  long long id = new_incident()["id"];
  Response response = api().post_form(incident_path(id) + "/comment",
                                      {{"comment", std::string(2 << 20, 'x')}}, admin_token());
  EXPECT_EQ(response.status, 413) << response.describe();
  EXPECT_EQ(api().get("/health").status, 200);
  EXPECT_EQ(admin_view(id)["version"], 1);
}

}  // namespace
}  // namespace e2e
