// End-to-end: bad input to incident writes is a 400 JSON error naming every
// bad field, and a rejected write leaves no trace.
#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

constexpr const char* kRequired = "This field is required.";

class ValidationTest : public E2eTest {
 protected:
  /// A create with the valid defaults and these overrides.
  static Response create(const Fields& overrides) {
    return api().post_form("/api/incident/create",
                           merged(incident_fields(scope_id(), service_id()), overrides),
                           admin_token());
  }

  static Response update(const json& incident, const Fields& fields) {
    return api().post_form(incident_path(incident["id"].get<long long>()) + "/update", fields,
                           admin_token());
  }
};

TEST_F(ValidationTest, ACreateWithoutAnyFieldNamesEveryRequiredOne) {
  Response response = api().post_form("/api/incident/create", {}, admin_token());
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(response.is_json());
  json error = response.json();
  EXPECT_TRUE(error["message"].is_string()) << error.dump();
  for (const char* field : {"scope", "service", "name", "severity"})
    EXPECT_EQ(reasons_for(error, field), std::vector<std::string>{kRequired})
        << field << " in " << error.dump();
}

TEST_F(ValidationTest, ACreateMissingOnlyTheNameNamesOnlyTheName) {
  Fields fields = without(incident_fields(scope_id(), service_id()), "name");
  Response response = api().post_form("/api/incident/create", fields, admin_token());
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(reasons_for(response.json(), "name"), std::vector<std::string>{kRequired});
  EXPECT_EQ(response.json()["reasons"].size(), 1u) << response.body;
}

TEST_F(ValidationTest, AnUnknownSeverityNamesSeverity) {
  Response response = create({{"severity", "apocalyptic"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "severity")) << response.body;
}

TEST_F(ValidationTest, ANonIntegerScopeNamesScope) {
  Response response = create({{"scope", "abc"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "scope")) << response.body;
}

TEST_F(ValidationTest, AScopeThatDoesNotExistNamesScope) {
  Response response = create({{"scope", "987654321"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "scope")) << response.body;
}

TEST_F(ValidationTest, AServiceThatDoesNotExistNamesService) {
  Response response = create({{"service", "987654321"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "service")) << response.body;
}

TEST_F(ValidationTest, ANameShorterThanFourCharactersNamesName) {
  Response response = create({{"name", "abc"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
}

TEST_F(ValidationTest, ANameLongerThan255CharactersNamesName) {
  Response response = create({{"name", std::string(256, 'n')}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
  EXPECT_EQ(create({{"name", unique_name(std::string(230, 'n'))}}).status, 302);
}

TEST_F(ValidationTest, ANameIsMeasuredInCharactersNotBytes) {
  // Four two-byte characters: long enough, although only "éé" would be 4 bytes.
  EXPECT_EQ(create({{"name", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"}}).status, 302);
  EXPECT_EQ(create({{"name", "\xC3\xA9\xC3\xA9\xC3\xA9"}}).status, 400);
}

TEST_F(ValidationTest, AnExternalLinkThatIsNotAnHttpUrlNamesExternalLink) {
  for (const char* link : {"not a url", "ftp://example.org/file", "http://"}) {
    Response response = create({{"external_link", link}});
    EXPECT_EQ(response.status, 400) << link << ": " << response.describe();
    EXPECT_TRUE(names_field(response.json(), "external_link")) << link << ": " << response.body;
  }
}

TEST_F(ValidationTest, AnUnreadableStartImpactDateNamesIt) {
  for (const char* date : {"yesterday", "2026-02-30T10:00", "2026-11-27T25:00", "27/11/2026"}) {
    Response response = create({{"start_impact_date", date}});
    EXPECT_EQ(response.status, 400) << date << ": " << response.describe();
    EXPECT_TRUE(names_field(response.json(), "start_impact_date")) << date << ": " << response.body;
  }
}

TEST_F(ValidationTest, EveryDocumentedDateFormatIsAccepted) {
  for (const char* date :
       {"2024-01-02T03:04", "2024-01-02 03:04", "2024-01-02T03:04:05", "2024-01-02 03:04:59"}) {
    json incident = new_incident({{"start_impact_date", date}});
    EXPECT_EQ(incident.value("start_impact_date", ""), "2024-01-02T03:04") << date;
  }
}

TEST_F(ValidationTest, EveryBadFieldIsNamedAtOnce) {
  Response response =
      create({{"severity", "urgent"}, {"name", "abc"}, {"external_link", "nope"}, {"scope", "x"}});
  ASSERT_EQ(response.status, 400) << response.describe();
  for (const char* field : {"severity", "name", "external_link", "scope"})
    EXPECT_TRUE(names_field(response.json(), field)) << field << " in " << response.body;
}

TEST_F(ValidationTest, ARejectedCreateCreatesNothing) {
  long long scope = id_of(create_catalog(api(), admin_token(), "scope"));
  Fields fields = merged(incident_fields(scope, service_id()), {{"severity", "urgent"}});
  ASSERT_EQ(api().post_form("/api/incident/create", fields, admin_token()).status, 400);
  json entry = api().get("/api/scope/" + std::to_string(scope)).json();
  EXPECT_EQ(entry["incidents_count"], 0) << entry.dump();
}

TEST_F(ValidationTest, AnUpdateWithoutAnyFieldNamesEveryRequiredOne) {
  json incident = new_incident();
  Response response = update(incident, {});
  ASSERT_EQ(response.status, 400) << response.describe();
  for (const char* field : {"scope", "service", "name", "severity", "status"})
    EXPECT_EQ(reasons_for(response.json(), field), std::vector<std::string>{kRequired})
        << field << " in " << response.body;
}

TEST_F(ValidationTest, AnUpdateWithoutStatusNamesStatus) {
  json incident = new_incident();
  Response response = update(incident, without(update_fields(incident), "status"));
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(reasons_for(response.json(), "status"), std::vector<std::string>{kRequired});
}

TEST_F(ValidationTest, AnUnknownStatusNamesStatus) {
  json incident = new_incident();
  Response response = update(incident, update_fields(incident, {{"status", "closed"}}));
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "status")) << response.body;
}

TEST_F(ValidationTest, AnUpdateToAServiceThatDoesNotExistNamesService) {
  json incident = new_incident();
  Response response = update(incident, update_fields(incident, {{"service", "987654321"}}));
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "service")) << response.body;
}

TEST_F(ValidationTest, ARejectedUpdateChangesNothing) {
  json incident = new_incident();
  Response response =
      update(incident, update_fields(incident, {{"name", "Good name"}, {"severity", "bad"}}));
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(admin_view(incident["id"]), incident);
}

TEST_F(ValidationTest, ACommentWithoutTextNamesCommentAsRequired) {
  long long id = new_incident()["id"];
  Response response = api().post_form(incident_path(id) + "/comment", {}, admin_token());
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(reasons_for(response.json(), "comment"), std::vector<std::string>{kRequired});
}

TEST_F(ValidationTest, AnEmptyCommentNamesComment) {
  long long id = new_incident()["id"];
  Response response =
      api().post_form(incident_path(id) + "/comment", {{"comment", ""}}, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "comment")) << response.body;
}

TEST_F(ValidationTest, ACommentOver64KiBNamesCommentAndOneOf64KiBIsAccepted) {
  long long id = new_incident()["id"];
  std::string path = incident_path(id) + "/comment";
  Response too_long = api().post_form(path, {{"comment", std::string(65537, 'c')}}, admin_token());
  EXPECT_EQ(too_long.status, 400) << too_long.describe();
  EXPECT_TRUE(names_field(too_long.json(), "comment")) << too_long.body;
  EXPECT_EQ(api().post_form(path, {{"comment", std::string(65536, 'c')}}, admin_token()).status,
            302);
}

}  // namespace
}  // namespace e2e
