// End-to-end: scopes and services, which share one contract, so every test
// runs once for /api/scope and once for /api/service.
#include <algorithm>

#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class CatalogTest : public E2eParamTest<std::string> {
 protected:
  std::string kind() const { return GetParam(); }
  std::string list_path() const { return "/api/" + kind(); }
  std::string path(long long id) const { return list_path() + "/" + std::to_string(id); }
  std::string permission() const { return kind() + "_api"; }

  json create_entry(const std::string& name = "") const {
    return create_catalog(api(), admin_token(), kind(), name);
  }

  /// An incident that uses the entry (as scope or as service).
  json incident_using(long long id) const {
    Fields fields = incident_fields(scope_id(), service_id());
    return create_incident(api(), admin_token(), merged(fields, {{kind(), std::to_string(id)}}));
  }
};

TEST_P(CatalogTest, CreateAnswers302WithTheAbsoluteUrlOfTheNewEntry) {
  Response response =
      api().post_form(list_path() + "/create", {{"name", unique_name(kind())}}, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  std::string location = response.header_or_empty("Location");
  EXPECT_EQ(location.rfind(api().base_url() + list_path() + "/", 0), 0u) << location;
  EXPECT_EQ(api().get(path(id_from_location(location))).status, 200);
}

TEST_P(CatalogTest, CreateWithPreferAnswers201WithTheContractShape) {
  std::string name = unique_name("France DC01");
  Response response =
      api().post_form(list_path() + "/create", {{"name", name}, {"description", "zone 01"}},
                      admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 201) << response.describe();
  json entry = response.json();
  long long id = entry.value("id", 0LL);
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + path(id));
  json expected = {
      {"description", "zone 01"},
      {"id", id},
      {"incidents_count", 0},
      {"links",
       {{"incidents", api().base_url() + "/api/incident?" + kind() + "=" + std::to_string(id)},
        {"self", api().base_url() + path(id)}}},
      {"name", name}};
  EXPECT_EQ(entry, expected);
}

TEST_P(CatalogTest, CreateWithoutANameNamesNameAsRequired) {
  Response response =
      api().post_form(list_path() + "/create", {{"description", "nameless"}}, admin_token());
  ASSERT_EQ(response.status, 400) << response.describe();
  EXPECT_EQ(reasons_for(response.json(), "name"),
            std::vector<std::string>{"This field is required."});
}

TEST_P(CatalogTest, ADuplicateNameIsAConflictNamingName) {
  std::string name = unique_name(kind());
  create_entry(name);
  Response response = api().post_form(list_path() + "/create", {{"name", name}}, admin_token());
  EXPECT_EQ(response.status, 409) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
}

TEST_P(CatalogTest, GetAnswersTheEntryAndAnUnknownIdIs404) {
  json entry = create_entry();
  Response response = api().get(path(entry["id"]));
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_TRUE(response.is_json());
  EXPECT_EQ(response.json(), entry);
  Response missing = api().get(path(987654321));
  EXPECT_EQ(missing.status, 404) << missing.describe();
  EXPECT_TRUE(missing.is_json());
}

TEST_P(CatalogTest, UpdateAnswers302AndChangesNameAndDescription) {
  long long id = create_entry()["id"];
  std::string name = unique_name("renamed");
  Response response = api().post_form(
      path(id) + "/update", {{"name", name}, {"description", "new words"}}, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + path(id));
  json entry = api().get(path(id)).json();
  EXPECT_EQ(entry["name"], name);
  EXPECT_EQ(entry["description"], "new words");
}

TEST_P(CatalogTest, UpdateWithPreferAnswers200WithTheEntry) {
  long long id = create_entry()["id"];
  std::string name = unique_name("renamed");
  Response response =
      api().post_form(path(id) + "/update", {{"name", name}}, admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json()["name"], name);
  EXPECT_EQ(response.json()["description"], "created by the e2e tests");
}

TEST_P(CatalogTest, UpdateWithoutANameNamesName) {
  long long id = create_entry()["id"];
  Response response = api().post_form(path(id) + "/update", {{"description", "x"}}, admin_token());
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
}

TEST_P(CatalogTest, RenamingToAnotherEntrysNameIsAConflict) {
  json taken = create_entry();
  long long id = create_entry()["id"];
  Response response = api().post_form(path(id) + "/update",
                                      {{"name", taken["name"].get<std::string>()}}, admin_token());
  EXPECT_EQ(response.status, 409) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "name")) << response.body;
}

TEST_P(CatalogTest, DeleteAnswers302ToTheListAndThenTheEntryIsGone) {
  long long id = create_entry()["id"];
  Response response = api().post_form(path(id) + "/delete", {}, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(response.header_or_empty("Location"), api().base_url() + list_path());
  EXPECT_EQ(api().get(path(id)).status, 404);
}

TEST_P(CatalogTest, DeleteWithPreferAnswers204) {
  long long id = create_entry()["id"];
  Response response =
      api().post_form(path(id) + "/delete", {}, admin_token(), kPreferRepresentation);
  EXPECT_EQ(response.status, 204) << response.describe();
  EXPECT_EQ(api().get(path(id)).status, 404);
}

TEST_P(CatalogTest, ADeletedNameCanBeUsedAgain) {
  json entry = create_entry();
  ASSERT_EQ(api().post_form(path(entry["id"]) + "/delete", {}, admin_token()).status, 302);
  EXPECT_TRUE(create_entry(entry["name"]).is_object());
}

TEST_P(CatalogTest, DeletingAnEntryThatIncidentsUseIsAConflict) {
  long long id = create_entry()["id"];
  long long incident = incident_using(id)["id"];
  Response response = api().post_form(path(id) + "/delete", {}, admin_token());
  EXPECT_EQ(response.status, 409) << response.describe();
  EXPECT_EQ(api().get(path(id)).status, 200);
  ASSERT_EQ(api().post_form(incident_path(incident) + "/delete", {}, admin_token()).status, 302);
  EXPECT_EQ(api().post_form(path(id) + "/delete", {}, admin_token()).status, 302);
}

TEST_P(CatalogTest, IncidentsCountCountsTheIncidentsUsingTheEntry) {
  long long id = create_entry()["id"];
  incident_using(id);
  long long second = incident_using(id)["id"];
  EXPECT_EQ(api().get(path(id)).json()["incidents_count"], 2);
  api().post_form(incident_path(second) + "/delete", {}, admin_token());
  EXPECT_EQ(api().get(path(id)).json()["incidents_count"], 1);
}

TEST_P(CatalogTest, TheListHoldsTheEntryWithPaginationHeaders) {
  json entry = create_entry();
  Response first = api().get(list_path() + "?per_page=50");
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_FALSE(first.header_or_empty("x-total").empty());
  EXPECT_EQ(first.header_or_empty("x-per-page"), "50");
  ListWalk walk = walk_list(api(), list_path(), "", 50);
  ASSERT_TRUE(walk.ok);
  EXPECT_EQ(static_cast<long long>(walk.items.size()), walk.total);
  EXPECT_NE(std::find(walk.items.begin(), walk.items.end(), entry), walk.items.end());
}

TEST_P(CatalogTest, AnonymousReadersMayReadButNotWrite) {
  long long id = create_entry()["id"];
  EXPECT_EQ(api().get(path(id)).status, 200);
  EXPECT_EQ(api().post_form(list_path() + "/create", {{"name", unique_name(kind())}}).status, 403);
  EXPECT_EQ(api().post_form(path(id) + "/update", {{"name", unique_name(kind())}}).status, 403);
  EXPECT_EQ(api().post_form(path(id) + "/delete", {}).status, 403);
  EXPECT_EQ(api().get(path(id)).status, 200);
}

TEST_P(CatalogTest, ATokenWithoutThePermissionIsForbiddenNamingToken) {
  std::string token = token_with({"incident_api"});
  ASSERT_FALSE(token.empty());
  Response response =
      api().post_form(list_path() + "/create", {{"name", unique_name(kind())}}, token);
  EXPECT_EQ(response.status, 403) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "token")) << response.body;
}

TEST_P(CatalogTest, ItsOwnPermissionAloneIsEnoughToWrite) {
  std::string token = token_with({permission()});
  Response response =
      api().post_form(list_path() + "/create", {{"name", unique_name(kind())}}, token);
  EXPECT_EQ(response.status, 302) << response.describe();
}

TEST_P(CatalogTest, WritesToAnUnknownEntryAre404) {
  EXPECT_EQ(
      api().post_form(path(987654321) + "/update", {{"name", "whatever"}}, admin_token()).status,
      404);
  EXPECT_EQ(api().post_form(path(987654321) + "/delete", {}, admin_token()).status, 404);
}

INSTANTIATE_TEST_SUITE_P(Kinds, CatalogTest, ::testing::Values("scope", "service"));

}  // namespace
}  // namespace e2e
