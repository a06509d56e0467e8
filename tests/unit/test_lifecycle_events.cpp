// The lifecycle's records: the created incident and its create event, the
// {field: [old, new]} changes of updates, no-op updates, comments and deletion.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/lifecycle.hpp"
#include "lifecycle_fixtures.hpp"

namespace incident {
namespace {

using namespace test;  // NOLINT: the fixtures are this file's vocabulary
using nlohmann::json;

CreateRequest minimal_create() {
  CreateRequest r;
  r.name = "Database outage";
  r.severity = Severity::high;
  r.scope = 1;
  r.service = 2;
  return r;
}

TEST(CreateIncident, StartsActiveAtVersionOneWithNoStateDates) {
  const Incident created = create_incident(minimal_create(), 7, kNow);
  EXPECT_EQ(created.id, 7);
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.status, Status::active);
  EXPECT_EQ(created.creation_date, kNow);
  EXPECT_EQ(created.investigation_date, std::nullopt);
  EXPECT_EQ(created.stable_date, std::nullopt);
  EXPECT_EQ(created.resolve_date, std::nullopt);
  EXPECT_EQ(created.description, std::nullopt);
}

TEST(CreateIncident, DefaultsTheStartOfImpactToNow) {
  EXPECT_EQ(create_incident(minimal_create(), 7, kNow).start_impact_date, kNow);
}

TEST(CreateIncident, KeepsAGivenStartOfImpact) {
  CreateRequest request = minimal_create();
  request.start_impact_date = kStart;
  EXPECT_EQ(create_incident(request, 7, kNow).start_impact_date, kStart);
}

TEST(CreateIncident, RecordsTheCreatedFieldsInAnInternalCreateEvent) {
  const Incident created = create_incident(minimal_create(), 7, kNow);
  ASSERT_EQ(created.events.size(), 1u);
  const Event& event = created.events.front();
  EXPECT_EQ(event.type, "create");
  EXPECT_TRUE(event.internal);
  EXPECT_EQ(event.creation_date, kNow);
  EXPECT_EQ(event.content, R"({"name":"Database outage","scope":1,"service":2,"severity":"high",)"
                           R"("start_impact_date":"2026-11-27T12:00","status":"active"})");
}

TEST(CreateIncident, ItsChangesGoFromNullToEachCreatedField) {
  CreateRequest request = minimal_create();
  request.description = "Primary database unreachable";
  const Incident created = create_incident(request, 7, kNow);
  const json fields = json::parse(created.events.front().content);
  json expected = json::object();
  for (const auto& [field, value] : fields.items()) expected[field] = json::array({nullptr, value});
  EXPECT_EQ(creation_changes(created), expected);
  EXPECT_EQ(creation_changes(created)["description"],
            json::array({nullptr, "Primary database unreachable"}));
}

TEST(CreateIncident, ListsOptionalFieldsInTheCreateEventOnlyWhenSet) {
  CreateRequest request = minimal_create();
  request.description = "Primary database unreachable";
  request.external_reference = "INC0000123";
  request.external_link = "https://tracker.example.org/INC0000123";
  request.start_impact_date = kStart;
  const Incident created = create_incident(request, 7, kNow);
  EXPECT_EQ(json::parse(created.events.front().content),
            (json{{"description", "Primary database unreachable"},
                  {"external_link", "https://tracker.example.org/INC0000123"},
                  {"external_reference", "INC0000123"},
                  {"name", "Database outage"},
                  {"scope", 1},
                  {"service", 2},
                  {"severity", "high"},
                  {"start_impact_date", "2026-11-27T09:58"},
                  {"status", "active"}}));
}

TEST(ApplyUpdate, ChangesNothingWhenTheRequestRepeatsTheIncident) {
  for (const Status status : kStatuses) {
    Incident current = incident_in(status);
    current.description = "Primary database unreachable";
    const auto result = apply_update(current, posting_back(current, status), kNow);
    ASSERT_TRUE(result.ok());
    EXPECT_FALSE(result->changed());
    EXPECT_EQ(result->changes, json::object());
    EXPECT_EQ(result->next, current);  // same version, no event
  }
}

TEST(ApplyUpdate, RecordsOldAndNewValuesOfEveryChangedField) {
  Incident current = incident_in(Status::active);
  current.description = "old description";
  current.external_reference = "INC1";
  UpdateRequest request = keeping(current, Status::active);
  request.name = "Database outage in DC01";
  request.severity = Severity::critical;
  request.scope = 3;
  request.service = 4;
  request.description = FieldUpdate<std::string>::clear();
  request.external_link = FieldUpdate<std::string>::set("https://example.org/1");
  request.start_impact_date = kStart - 60;
  const auto result = apply_update(current, request, kNow);
  ASSERT_TRUE(result.ok());
  const json expected = {{"description", {"old description", nullptr}},
                         {"external_link", {nullptr, "https://example.org/1"}},
                         {"name", {"Database outage", "Database outage in DC01"}},
                         {"scope", {1, 3}},
                         {"service", {2, 4}},
                         {"severity", {"high", "critical"}},
                         {"start_impact_date", {"2026-11-27T09:58", "2026-11-27T08:58"}}};
  EXPECT_EQ(result->changes, expected);
  EXPECT_EQ(json::parse(result->next.events.front().content), expected);
  EXPECT_EQ(result->next.external_reference, "INC1");  // absent: kept
  EXPECT_EQ(result->next.description, std::nullopt);
}

TEST(ApplyUpdate, BumpsTheVersionOnceAndKeepsOlderEventsAfterTheNewOne) {
  const Incident current = incident_in(Status::active);
  UpdateRequest request = keeping(current, Status::active);
  request.severity = Severity::low;
  const auto result = apply_update(current, request, kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.version, 4);
  ASSERT_EQ(result->next.events.size(), 2u);
  EXPECT_EQ(result->next.events.front().type, "update");
  EXPECT_EQ(result->next.events.front().content, R"({"severity":["high","low"]})");
  EXPECT_EQ(result->next.events.back(), current.events.front());
}

TEST(ApplyUpdate, WritesTheUpdateEventContentAsTheChangesJsonString) {
  const Incident current = incident_in(Status::active);
  const auto result = apply_update(current, keeping(current, Status::investigating), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.events.front().content,
            R"({"investigation_date":[null,"2026-11-27T12:00"],)"
            R"("status":["active","investigating"]})");
}

TEST(ApplyUpdate, LeavesIdAndCreationDateAlone) {
  const Incident current = incident_in(Status::stable);
  const auto result = apply_update(current, keeping(current, Status::active), kNow);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->next.id, current.id);
  EXPECT_EQ(result->next.creation_date, current.creation_date);
}

TEST(AddComment, PrependsAPublicCommentAndBumpsTheVersion) {
  const Incident current = incident_in(Status::investigating);
  const Incident next = add_comment(current, CommentRequest{"Failover started", false}, kNow);
  EXPECT_EQ(next.version, current.version + 1);
  ASSERT_EQ(next.events.size(), 2u);
  EXPECT_EQ(next.events.front(), (Event{"comment", "Failover started", false, kNow}));
  EXPECT_EQ(next.events.back(), current.events.front());
}

TEST(AddComment, KeepsAnInternalCommentInternal) {
  const Incident next =
      add_comment(incident_in(Status::active), CommentRequest{"Root cause: disk", true}, kNow);
  EXPECT_TRUE(next.events.front().internal);
  EXPECT_EQ(next.events.front().content, "Root cause: disk");
}

TEST(AddComment, ChangesNothingButTheEventsAndTheVersion) {
  const Incident current = incident_in(Status::stable);
  Incident next = add_comment(current, CommentRequest{"note", false}, kNow);
  next.events = current.events;
  next.version = current.version;
  EXPECT_EQ(next, current);
}

TEST(AddComment, StacksCommentsNewestFirstWithOneVersionEach) {
  Incident incident = incident_in(Status::active);
  incident = add_comment(incident, CommentRequest{"first", false}, kNow);
  incident = add_comment(incident, CommentRequest{"second", true}, kNow + 1);
  EXPECT_EQ(incident.version, 5);
  EXPECT_EQ(incident.events[0].content, "second");
  EXPECT_EQ(incident.events[1].content, "first");
}

TEST(MarkDeleted, BumpsTheVersionAndChangesNothingElse) {
  const Incident current = incident_in(Status::resolved);
  Incident gone = mark_deleted(current);
  EXPECT_EQ(gone.version, current.version + 1);
  gone.version = current.version;
  EXPECT_EQ(gone, current);
}

}  // namespace
}  // namespace incident
