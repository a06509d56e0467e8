// End-to-end: the incident lifecycle through HTTP (active < investigating <
// stable < resolved): stamped and cleared dates, rejected dates, events, versions.
#include "e2e_test.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class LifecycleTest : public E2eTest {
 protected:
  /// Updates with the incident's required fields plus overrides; the result as GET shows it.
  static json move(const json& incident, const Fields& overrides) {
    long long id = incident["id"];
    Response response = api().post_form(incident_path(id) + "/update",
                                        update_fields(incident, overrides), admin_token());
    EXPECT_EQ(response.status, 302) << response.describe();
    return admin_view(id);
  }

  /// The update fields with every state date posted back, as clients that echo do.
  static Fields with_dates_of(const json& incident, const Fields& overrides) {
    Fields dates;
    for (const char* key :
         {"start_impact_date", "investigation_date", "stable_date", "resolve_date"}) {
      if (incident[key].is_string()) dates.emplace_back(key, incident[key]);
    }
    return merged(dates, overrides);
  }

  static Response try_update(const json& incident, const Fields& overrides) {
    return api().post_form(incident_path(incident["id"].get<long long>()) + "/update",
                           update_fields(incident, overrides), admin_token());
  }
};

TEST_F(LifecycleTest, MovingToInvestigatingStampsTheInvestigationDateWithNow) {
  std::string before = utc_now_minute();
  json incident = move(new_incident(), {{"status", "investigating"}});
  std::string stamped = incident.value("investigation_date", "");
  ASSERT_EQ(stamped.size(), 16u) << incident.dump();
  EXPECT_GE(minutes_between(before, stamped), 0);
  EXPECT_LE(minutes_between(before, stamped), 2);
  EXPECT_TRUE(incident["stable_date"].is_null());
  EXPECT_TRUE(incident["resolve_date"].is_null());
  EXPECT_EQ(incident["version"], 2);
}

TEST_F(LifecycleTest, ResolvingAnActiveIncidentStampsEveryStateDateOnTheWay) {
  json incident = move(new_incident(), {{"status", "resolved"}});
  EXPECT_EQ(incident["status"], "resolved");
  for (const char* key : {"investigation_date", "stable_date", "resolve_date"})
    EXPECT_TRUE(incident[key].is_string()) << key << " in " << incident.dump();
}

TEST_F(LifecycleTest, AStateDateGivenWithTheMoveIsKept) {
  json incident = new_incident({{"start_impact_date", "2020-01-01T00:00"}});
  json moved =
      move(incident, {{"status", "investigating"}, {"investigation_date", "2020-01-01 01:30"}});
  EXPECT_EQ(moved["investigation_date"], "2020-01-01T01:30");
}

TEST_F(LifecycleTest, ReopeningClearsEveryLaterDateEvenWhenTheOldValuesArePostedBack) {
  json resolved = move(new_incident(), {{"status", "resolved"}});
  json reopened = move(resolved, with_dates_of(resolved, {{"status", "active"}}));
  EXPECT_EQ(reopened["status"], "active");
  for (const char* key : {"investigation_date", "stable_date", "resolve_date"})
    EXPECT_TRUE(reopened[key].is_null()) << key << " in " << reopened.dump();
}

TEST_F(LifecycleTest, MovingBackToInvestigatingKeepsOnlyTheInvestigationDate) {
  json resolved = move(new_incident(), {{"status", "resolved"}});
  json moved = move(resolved, with_dates_of(resolved, {{"status", "investigating"}}));
  EXPECT_EQ(moved["investigation_date"], resolved["investigation_date"]);
  EXPECT_TRUE(moved["stable_date"].is_null()) << moved.dump();
  EXPECT_TRUE(moved["resolve_date"].is_null()) << moved.dump();
}

TEST_F(LifecycleTest, ANewDateForAStateAboveTheNewStatusNamesThatField) {
  json incident = move(new_incident(), {{"status", "investigating"}});
  Response response =
      try_update(incident, {{"status", "investigating"}, {"stable_date", "2030-01-01T00:00"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "stable_date")) << response.body;
  EXPECT_EQ(admin_view(incident["id"]), incident);
}

TEST_F(LifecycleTest, AResolveDateOnAnActiveIncidentNamesResolveDate) {
  json incident = new_incident();
  Response response = try_update(incident, {{"resolve_date", "2030-01-01T00:00"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "resolve_date")) << response.body;
}

TEST_F(LifecycleTest, AStateDateBeforeTheImpactStartNamesThatField) {
  json incident = new_incident({{"start_impact_date", "2024-06-01T12:00"}});
  Response response = try_update(
      incident, {{"status", "investigating"}, {"investigation_date", "2024-06-01T11:59"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "investigation_date")) << response.body;
}

TEST_F(LifecycleTest, AnyStatusMayFollowAnyOther) {
  json incident = new_incident();
  for (const char* status : {"stable", "investigating", "resolved", "active", "resolved"}) {
    incident = move(incident, {{"status", status}});
    EXPECT_EQ(incident["status"], status);
  }
  EXPECT_EQ(incident["version"], 6);
}

TEST_F(LifecycleTest, AnUpdateThatChangesNothingKeepsTheVersionAndAddsNoEvent) {
  json incident = move(new_incident({{"description", "same"}}), {{"status", "stable"}});
  json again = move(incident, with_dates_of(incident, {{"description", "same"}}));
  EXPECT_EQ(again["version"], incident["version"]);
  EXPECT_EQ(again["events"].size(), incident["events"].size());
  EXPECT_EQ(again, incident);
}

TEST_F(LifecycleTest, ARealChangeAddsAnInternalUpdateEventWithOldAndNewValues) {
  json incident = new_incident();
  std::string old_name = incident["name"];
  json moved = move(incident, {{"status", "investigating"}, {"name", "New incident name"}});
  ASSERT_EQ(moved["events"].size(), 2u) << moved.dump();
  json event = moved["events"][0];
  EXPECT_EQ(event["type"], "update");
  EXPECT_EQ(event["internal"], true);
  ASSERT_TRUE(event["content"].is_string()) << event.dump();
  json changes = json::parse(event["content"].get<std::string>(), nullptr, false);
  EXPECT_EQ(changes["status"], json::array({"active", "investigating"})) << changes.dump();
  EXPECT_EQ(changes["name"], json::array({old_name, "New incident name"})) << changes.dump();
  EXPECT_FALSE(changes.contains("severity")) << changes.dump();
}

TEST_F(LifecycleTest, TheCreateEventListsTheCreatedFieldsAsAJsonString) {
  json incident = new_incident({{"severity", "high"}});
  json event = incident["events"][0];
  ASSERT_TRUE(event["content"].is_string()) << event.dump();
  json created = json::parse(event["content"].get<std::string>(), nullptr, false);
  ASSERT_TRUE(created.is_object()) << event.dump();
  EXPECT_TRUE(created.contains("name")) << created.dump();
  EXPECT_TRUE(created.contains("severity")) << created.dump();
}

TEST_F(LifecycleTest, EventsAreListedNewestFirst) {
  json incident = move(new_incident(), {{"severity", "low"}});
  long long id = incident["id"];
  api().post_form(incident_path(id) + "/comment", {{"comment", "third"}}, admin_token());
  json events = admin_view(id)["events"];
  ASSERT_EQ(events.size(), 3u) << events.dump();
  EXPECT_EQ(events[0]["type"], "comment");
  EXPECT_EQ(events[1]["type"], "update");
  EXPECT_EQ(events[2]["type"], "create");
}

TEST_F(LifecycleTest, EveryCommentBumpsTheVersionByOne) {
  long long id = new_incident()["id"];
  for (int expected = 2; expected <= 4; ++expected) {
    api().post_form(incident_path(id) + "/comment", {{"comment", "again"}}, admin_token());
    EXPECT_EQ(admin_view(id)["version"], expected);
  }
}

/// `internal` values and whether they make the comment internal.
using InternalCase = std::pair<std::string, bool>;
class CommentVisibilityTest : public E2eParamTest<InternalCase> {};

TEST_P(CommentVisibilityTest, TheInternalFieldDecidesWhetherACommentIsInternal) {
  auto [value, internal] = GetParam();
  long long id = new_incident()["id"];
  Fields fields = {{"comment", "note"}};
  if (value != "<absent>") fields.emplace_back("internal", value);
  Response response = api().post_form(incident_path(id) + "/comment", fields, admin_token());
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(admin_view(id)["events"][0]["internal"], internal) << "internal=" << value;
}

INSTANTIATE_TEST_SUITE_P(Values, CommentVisibilityTest,
                         ::testing::Values(InternalCase{"1", true}, InternalCase{"true", true},
                                           InternalCase{"on", true}, InternalCase{"yes", true},
                                           InternalCase{"0", false}, InternalCase{"false", false},
                                           InternalCase{"<absent>", false}));

}  // namespace
}  // namespace e2e
