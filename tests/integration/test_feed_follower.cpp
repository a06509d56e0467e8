// The feed follower against a real redis-server: it delivers the changes
// committed after it started, in order, also in a database other than 0.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/feed_follower.hpp"
#include "store_fixture.hpp"

namespace incident::testing {
namespace {

class FeedFollowerTest : public StoreTest {
 protected:
  /// Collects what the follower delivers, thread-safely.
  struct Seen {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<FeedEntry> entries;
    int calls = 0;  // deliveries, empty ones included
    void add(std::vector<FeedEntry> more) {
      std::lock_guard<std::mutex> lock(mutex);
      ++calls;
      entries.insert(entries.end(), more.begin(), more.end());
      changed.notify_all();
    }
    std::size_t size() {
      std::lock_guard<std::mutex> lock(mutex);
      return entries.size();
    }
  };

  /// Waits (at most 5 s) for `count` entries, woken by each delivery.
  static bool wait_for(Seen& seen, std::size_t count) {
    std::unique_lock<std::mutex> lock(seen.mutex);
    return seen.changed.wait_for(lock, std::chrono::seconds(5),
                                 [&] { return seen.entries.size() >= count; });
  }
};

TEST_F(FeedFollowerTest, DeliversChangesCommittedAfterItStartedInOrder) {
  create_scope_and_service();  // before the follower: not delivered
  Seen seen;
  FeedFollower follower(server_->endpoint(), keys_, "follower",
                        [&](std::vector<FeedEntry> entries) { seen.add(std::move(entries)); });
  ASSERT_TRUE(follower.wait_until_following(std::chrono::seconds(10)));
  Incident first = create("Followed one");
  Incident second = create("Followed two");
  ASSERT_TRUE(wait_for(seen, 2));
  EXPECT_EQ(seen.entries[0].type, "incident.created");
  EXPECT_EQ(seen.entries[0].id, first.id);
  EXPECT_EQ(seen.entries[1].id, second.id);
  EXPECT_EQ(seen.entries[1].version, 1);
  EXPECT_LT(seen.entries[0].stream_id, seen.entries[1].stream_id);
}

TEST_F(FeedFollowerTest, FollowsTheDatabaseOfItsEndpoint) {
  RedisEndpoint db3 = server_->endpoint();
  db3.db = 3;
  Seen seen;
  FeedFollower follower(db3, keys_, "follower",
                        [&](std::vector<FeedEntry> entries) { seen.add(std::move(entries)); });
  ASSERT_TRUE(follower.wait_until_following(std::chrono::seconds(10)));
  RedisPipeline pipeline(db3, std::chrono::milliseconds(2000));
  CatalogStore catalog(pipeline, keys_);
  auto created = await_result<Result<CatalogView>>([&](auto done) {
    catalog.create("scope", CatalogCreateRequest{"In database 3", std::nullopt}, done);
  });
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(wait_for(seen, 1));
  EXPECT_EQ(seen.entries[0].type, "scope.created");
  EXPECT_EQ(stream_length(), 0);  // nothing in database 0
}

TEST_F(FeedFollowerTest, DeliversEveryChangeMarkingThoseOfItsOwnProcess) {
  create_scope_and_service();
  Seen seen;
  FeedFollower follower(server_->endpoint(), keys_, "this-process",
                        [&](std::vector<FeedEntry> entries) { seen.add(std::move(entries)); });
  ASSERT_TRUE(follower.wait_until_following(std::chrono::seconds(10)));
  IncidentStore ours(*pipeline_, keys_, FeedOptions{"", 1000000, "this-process"});
  IncidentStore theirs(*pipeline_, keys_, FeedOptions{"", 1000000, "another-process"});
  auto commit_with = [&](IncidentStore& store, Id id) {
    Incident incident =
        create_incident(CreateRequest{"Origin", {}, {}, {}, Severity::high, 1, 1, {}}, id,
                        parse_date_or_die("2026-11-27T10:00"));
    auto result = await_result<CommitResult>([&](auto done) {
      store.commit(CommitRequest{"incident.created",
                                 std::nullopt,
                                 incident,
                                 incident.events.front(),
                                 {},
                                 std::nullopt},
                   done);
    });
    ASSERT_TRUE(result.ok());
  };
  commit_with(ours, 901);
  commit_with(theirs, 902);
  commit_with(ours, 903);
  commit_with(theirs, 904);
  commit_with(theirs, 905);
  ASSERT_TRUE(wait_for(seen, 5));
  std::lock_guard<std::mutex> lock(seen.mutex);
  ASSERT_EQ(seen.entries.size(), 5u);
  std::vector<std::pair<Id, bool>> delivered;
  for (const auto& entry : seen.entries) delivered.emplace_back(entry.id, entry.own);
  // An own change is delivered too: a write whose answer was lost is learnt from here.
  EXPECT_EQ(delivered, (std::vector<std::pair<Id, bool>>{
                           {901, true}, {902, false}, {903, true}, {904, false}, {905, false}}));
  // Every entry says which process committed it.
  RedisValue entries = redis({"XRANGE", keys_.change_stream(), "-", "+"});
  std::vector<std::string> origins;
  for (const auto& entry : entries.elements)
    for (std::size_t i = 0; i + 1 < entry.elements[1].elements.size(); i += 2)
      if (entry.elements[1].elements[i].str == "origin")
        origins.push_back(entry.elements[1].elements[i + 1].str);
  EXPECT_EQ(origins, (std::vector<std::string>{"this-process", "another-process", "this-process",
                                               "another-process", "another-process"}));
}

TEST(FeedEntryParsing, ReadsTypeIdAndVersionAndRejectsForeignMessages) {
  auto entry = parse_feed_entry("5-0", R"({"type":"incident.updated","id":7,"version":3})");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->type, "incident.updated");
  EXPECT_EQ(entry->id, 7);
  EXPECT_EQ(entry->version, 3);
  EXPECT_FALSE(parse_feed_entry("6-0", "not json"));
  EXPECT_FALSE(parse_feed_entry("7-0", R"({"id":"seven"})"));
  EXPECT_FALSE(parse_feed_entry("8-0", R"([{"type":"incident.updated","id":7}])"));
  EXPECT_FALSE(parse_feed_entry("9-0", R"({"incident":{"type":"incident.updated","id":7}})"));
}

TEST(FeedEntryParsing, FindsTheFieldsWhereverTheyAreAndStopsOnceItHasThem) {
  auto late = parse_feed_entry("5-1", R"({"incident":{"id":1,"version":9},"version":2,)"
                                      R"("type":"incident.updated","id":7})");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->id, 7);
  EXPECT_EQ(late->version, 2);
  // What follows the three fields is not read: a cut message still names its change.
  auto cut = parse_feed_entry("5-2", R"({"type":"incident.deleted","id":8,"version":4,"incid)");
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->type, "incident.deleted");
  EXPECT_EQ(cut->version, 4);
  auto without_version = parse_feed_entry("5-3", R"({"type":"scope.created","id":3})");
  ASSERT_TRUE(without_version);
  EXPECT_EQ(without_version->version, 0);
}

}  // namespace
}  // namespace incident::testing
