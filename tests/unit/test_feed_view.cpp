// What change-feed readers may see: anonymous readers lose internal events and
// never get an internal comment; events are framed as Server-Sent Events.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "domain/feed_view.hpp"

namespace incident {
namespace {

using nlohmann::json;

std::string message(const std::string& type, bool newest_internal) {
  json events = json::array({{{"content", "newest"}, {"internal", newest_internal}},
                             {{"content", "older public"}, {"internal", false}},
                             {{"content", "{}"}, {"internal", true}}});
  return json{{"type", type},
              {"id", 7},
              {"changes", {{"name", {"Codename BLUEBIRD", "Public name"}}}},
              {"incident", {{"id", 7}, {"events", events}}}}
      .dump();
}

TEST(FeedView, TokenHoldersSeeTheMessageUnchanged) {
  std::string original = message("incident.commented", true);
  EXPECT_EQ(feed_message_for(original, Audience::token_holder), original);
}

TEST(FeedView, AnonymousReadersLoseEveryInternalEvent) {
  auto visible = feed_message_for(message("incident.updated", true), Audience::anonymous);
  ASSERT_TRUE(visible);
  json events = json::parse(*visible)["incident"]["events"];
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["content"], "older public");
}

TEST(FeedView, AnonymousReadersNeverSeePreviousValues) {
  for (const char* type : {"incident.created", "incident.updated", "incident.deleted"}) {
    auto visible = feed_message_for(message(type, true), Audience::anonymous);
    ASSERT_TRUE(visible) << type;
    EXPECT_EQ(visible->find("BLUEBIRD"), std::string::npos) << *visible;
    EXPECT_EQ(json::parse(*visible)["changes"], json::object()) << type;
  }
  EXPECT_NE(
      feed_message_for(message("incident.updated", true), Audience::token_holder)->find("BLUEBIRD"),
      std::string::npos);
}

TEST(FeedView, AnInternalCommentIsWithheldFromAnonymousReadersEntirely) {
  EXPECT_FALSE(feed_message_for(message("incident.commented", true), Audience::anonymous));
  EXPECT_TRUE(feed_message_for(message("incident.commented", false), Audience::anonymous));
}

TEST(FeedView, ScopeAndServiceMessagesLoseOnlyTheirPreviousValues) {
  json renamed = {{"type", "scope.updated"},
                  {"id", 1},
                  {"changes", {{"name", {"Secret DC", "France DC01"}}}},
                  {"scope", {{"id", 1}, {"name", "France DC01"}}}};
  auto visible = feed_message_for(renamed.dump(), Audience::anonymous);
  ASSERT_TRUE(visible);
  json expected = renamed;
  expected["changes"] = json::object();
  EXPECT_EQ(json::parse(*visible), expected);
  EXPECT_FALSE(feed_message_for("not json", Audience::anonymous));
}

TEST(FeedView, TheTypeIsReadFromTheMessage) {
  EXPECT_EQ(feed_message_type(message("incident.deleted", false)), "incident.deleted");
  EXPECT_EQ(feed_message_type("[1]"), "");
}

TEST(FeedView, AnEntryIsPreparedOnceForBothAudiences) {
  auto prepared = prepare_feed_event("9-1", message("incident.updated", true));
  EXPECT_EQ(prepared.id, "9-1");
  ASSERT_NE(prepared.text_for(Audience::token_holder), nullptr);
  EXPECT_NE(prepared.text_for(Audience::token_holder)->find("BLUEBIRD"), std::string::npos);
  ASSERT_NE(prepared.text_for(Audience::anonymous), nullptr);
  EXPECT_EQ(prepared.text_for(Audience::anonymous)->find("BLUEBIRD"), std::string::npos);
  EXPECT_EQ(prepared.text_for(Audience::anonymous)->rfind("id: 9-1\nevent: incident.updated\n", 0),
            0u);
  auto internal = prepare_feed_event("9-2", message("incident.commented", true));
  EXPECT_EQ(internal.text_for(Audience::anonymous), nullptr);
  EXPECT_NE(internal.text_for(Audience::token_holder), nullptr);
}

TEST(FeedView, StreamIdsAreOrderedAsNumbersNotText) {
  EXPECT_LT(compare_stream_ids("9-0", "10-0"), 0);
  EXPECT_LT(compare_stream_ids("10-2", "10-10"), 0);
  EXPECT_EQ(compare_stream_ids("1764237600000-3", "1764237600000-3"), 0);
  EXPECT_GT(compare_stream_ids("1764237600001-0", "1764237600000-99"), 0);
  EXPECT_LT(compare_stream_ids("", "0-0"), 0);
  EXPECT_EQ(compare_stream_ids("5", "5-0"), 0);
}

TEST(FeedView, EventsAreFramedAsServerSentEvents) {
  EXPECT_EQ(format_server_sent_event({"1-0", "incident.created", "{\"id\":1}"}),
            "id: 1-0\nevent: incident.created\ndata: {\"id\":1}\n\n");
  EXPECT_EQ(format_server_sent_event({}), ": heartbeat\n\n");
}

}  // namespace
}  // namespace incident
