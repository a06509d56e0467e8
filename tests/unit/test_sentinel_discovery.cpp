// Sentinel discovery and the locator, against a scripted probe: every
// sentinel down, a sentinel naming a replica, a stale primary refusing
// writes, announcements, and the retry pacing.
#include <gtest/gtest.h>

#include <map>

#include "storage/primary_locator.hpp"
#include "storage/sentinel_discovery.hpp"

namespace incident {
namespace {

RedisEndpoint at(int port) {
  RedisEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = port;
  return endpoint;
}

SentinelAnswer names(int port) {
  SentinelAnswer answer;
  answer.kind = SentinelAnswer::Kind::primary;
  answer.primary = at(port);
  return answer;
}

SentinelAnswer answer_of(SentinelAnswer::Kind kind, std::string detail = "") {
  SentinelAnswer answer;
  answer.kind = kind;
  answer.detail = std::move(detail);
  return answer;
}

/// Sentinels and servers by port; what is not scripted is unreachable.
class ScriptedProbe : public SentinelProbe {
 public:
  std::map<int, SentinelAnswer> sentinels;
  std::map<int, ServerRole> servers;
  std::vector<int> asked;       // sentinel ports, in the order asked
  std::vector<int> role_asked;  // server ports

  SentinelAnswer ask(const RedisEndpoint& sentinel, const std::string& master_name) override {
    asked.push_back(sentinel.port);
    EXPECT_EQ(master_name, "mymaster");
    auto it = sentinels.find(sentinel.port);
    return it == sentinels.end() ? SentinelAnswer{} : it->second;
  }
  ServerRole role_of(const RedisEndpoint& server) override {
    role_asked.push_back(server.port);
    auto it = servers.find(server.port);
    return it == servers.end() ? ServerRole::unreachable : it->second;
  }
};

std::vector<RedisEndpoint> three_sentinels() { return {at(26379), at(26380), at(26381)}; }

TEST(SentinelDiscovery, TheFirstSentinelNamingAConfirmedPrimaryIsEnough) {
  ScriptedProbe probe;
  probe.sentinels = {{26379, names(6379)}, {26380, names(6380)}};
  probe.servers = {{6379, ServerRole::primary}};
  auto sentinels = three_sentinels();
  Discovery found = discover_primary(sentinels, "mymaster", probe);
  ASSERT_TRUE(found.primary);
  EXPECT_EQ(found.primary->port, 6379);
  EXPECT_EQ(probe.asked, std::vector<int>{26379});
  EXPECT_EQ(probe.role_asked, std::vector<int>{6379});
  EXPECT_TRUE(found.failures.empty());
}

TEST(SentinelDiscovery, EverySentinelDownFindsNothingAndSaysWhyForEach) {
  ScriptedProbe probe;
  probe.servers = {{6379, ServerRole::primary}};
  auto sentinels = three_sentinels();
  Discovery found = discover_primary(sentinels, "mymaster", probe);
  EXPECT_FALSE(found.primary);
  EXPECT_EQ(probe.asked, (std::vector<int>{26379, 26380, 26381}));
  EXPECT_TRUE(probe.role_asked.empty());
  ASSERT_EQ(found.failures.size(), 3u);
  std::string text = found.describe_failure();
  for (const char* port : {"26379", "26380", "26381"})
    EXPECT_NE(text.find(std::string(port) + "/0 unreachable"), std::string::npos) << text;
}

TEST(SentinelDiscovery, ASentinelNamingAReplicaIsPassedOverForTheNext) {
  ScriptedProbe probe;
  // The first sentinel's view is stale: it still names the old primary,
  // which rejoined as a replica.
  probe.sentinels = {{26379, names(6379)}, {26380, names(6380)}, {26381, names(6380)}};
  probe.servers = {{6379, ServerRole::replica}, {6380, ServerRole::primary}};
  auto sentinels = three_sentinels();
  Discovery found = discover_primary(sentinels, "mymaster", probe);
  ASSERT_TRUE(found.primary);
  EXPECT_EQ(found.primary->port, 6380);
  ASSERT_EQ(found.failures.size(), 1u);
  EXPECT_NE(found.failures[0].find("which is a replica"), std::string::npos) << found.failures[0];
  // The sentinel that led to the primary is asked first from now on.
  EXPECT_EQ(sentinels[0].port, 26380);
  EXPECT_EQ(sentinels.size(), 3u);
}

TEST(SentinelDiscovery, EverySentinelNamingAReplicaFindsNothing) {
  ScriptedProbe probe;
  probe.sentinels = {{26379, names(6379)}, {26380, names(6379)}, {26381, names(6379)}};
  probe.servers = {{6379, ServerRole::replica}};
  auto sentinels = three_sentinels();
  EXPECT_FALSE(discover_primary(sentinels, "mymaster", probe).primary);
  EXPECT_EQ(sentinels[0].port, 26379);  // order kept when nothing was found
}

TEST(SentinelDiscovery, APrimaryNamedButDeadIsNotUsedBeforeTheFailover) {
  ScriptedProbe probe;  // the sentinels have not noticed yet
  probe.sentinels = {{26379, names(6379)}, {26380, names(6379)}, {26381, names(6379)}};
  auto sentinels = three_sentinels();
  Discovery found = discover_primary(sentinels, "mymaster", probe);
  EXPECT_FALSE(found.primary);
  EXPECT_NE(found.describe_failure().find("which is unreachable"), std::string::npos);
}

TEST(SentinelDiscovery, UnknownNamesRefusalsAndNonDataServersAreSkipped) {
  ScriptedProbe probe;
  probe.sentinels = {{26379, answer_of(SentinelAnswer::Kind::unknown_master)},
                     {26380, answer_of(SentinelAnswer::Kind::refused, "NOAUTH")},
                     {26381, names(26379)}};
  probe.servers = {{26379, ServerRole::other}};
  auto sentinels = three_sentinels();
  Discovery found = discover_primary(sentinels, "mymaster", probe);
  EXPECT_FALSE(found.primary);
  ASSERT_EQ(found.failures.size(), 3u);
  EXPECT_NE(found.failures[0].find("does not monitor 'mymaster'"), std::string::npos);
  EXPECT_NE(found.failures[1].find("refused: NOAUTH"), std::string::npos);
  EXPECT_NE(found.failures[2].find("not a data server"), std::string::npos);
}

TEST(SentinelList, ParsesHostPortPairs) {
  auto list = parse_sentinel_list("127.0.0.1:26379,sentinel-b:26380");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].host, "sentinel-b");
  EXPECT_EQ((*list)[1].port, 26380);
  for (const char* bad :
       {"", "127.0.0.1", "a:1,", ",a:1", "a:0", "a:70000", "a:1/2", ":26379", "a:b", "a:1,,b:2"})
    EXPECT_FALSE(parse_sentinel_list(bad)) << bad;
}

TEST(SwitchMaster, NamesTheNewPrimaryOfOurMasterOnly) {
  auto primary = parse_switch_master("mymaster 127.0.0.1 7000 127.0.0.1 7001", "mymaster");
  ASSERT_TRUE(primary);
  EXPECT_EQ(primary->port, 7001);
  EXPECT_FALSE(parse_switch_master("other 127.0.0.1 7000 127.0.0.1 7001", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster 127.0.0.1 7000 127.0.0.1", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster 127.0.0.1 7000 127.0.0.1 x", "mymaster"));
  EXPECT_FALSE(parse_switch_master("mymaster a 1 b 2 c", "mymaster"));
}

/// A locator over a probe the test keeps scripting.
struct LocatorTest : ::testing::Test {
  ScriptedProbe* probe = nullptr;
  std::unique_ptr<SentinelLocator> locator;
  std::vector<int> changes;  // ports the listener was told of

  void make(std::chrono::milliseconds retry_after = std::chrono::milliseconds(0)) {
    auto owned = std::make_unique<ScriptedProbe>();
    probe = owned.get();
    locator = std::make_unique<SentinelLocator>(three_sentinels(), "mymaster", 3, std::move(owned),
                                                retry_after);
    locator->on_change([this](const RedisEndpoint& server) { changes.push_back(server.port); });
  }
};

TEST_F(LocatorTest, AsksOnceAndKeepsThePrimaryWhileItServes) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  auto first = locator->primary();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->port, 6379);
  EXPECT_EQ(first->db, 3);  // the configured database, on whatever server
  auto generation = locator->generation();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(locator->primary()->port, 6379);
  EXPECT_EQ(probe->asked.size(), 1u);
  EXPECT_EQ(locator->generation(), generation);
  EXPECT_TRUE(changes.empty());  // the first one found is no change
}

TEST_F(LocatorTest, AStalePrimaryAnsweringReadOnlyIsReplacedByTheOneTheSentinelsNameNow) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_EQ(locator->primary()->port, 6379);
  auto before = locator->generation();
  // A failover happened: 6379 was demoted, and refuses a write (READONLY).
  probe->sentinels = {{26379, names(6380)}};
  probe->servers = {{6379, ServerRole::replica}, {6380, ServerRole::primary}};
  locator->distrust(at(6379));
  auto now = locator->primary();
  ASSERT_TRUE(now);
  EXPECT_EQ(now->port, 6380);
  EXPECT_EQ(now->db, 3);
  EXPECT_GT(locator->generation(), before);  // connections made before reconnect
  EXPECT_EQ(changes, std::vector<int>{6380});
}

TEST_F(LocatorTest, DistrustOfAnotherServerChangesNothing) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_TRUE(locator->primary());
  locator->distrust(at(6390));
  EXPECT_EQ(locator->primary()->port, 6379);
  EXPECT_EQ(probe->asked.size(), 1u);
}

TEST_F(LocatorTest, RediscoveringTheSameServerIsNoChange) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_TRUE(locator->primary());
  auto generation = locator->generation();
  locator->distrust(at(6379));  // a dropped connection, say
  EXPECT_EQ(locator->primary()->port, 6379);
  EXPECT_EQ(probe->asked.size(), 2u);
  EXPECT_EQ(locator->generation(), generation);
  EXPECT_TRUE(changes.empty());
}

TEST_F(LocatorTest, AfterAFailedDiscoveryTheNextWaitsItsTurn) {
  make(std::chrono::hours(1));
  EXPECT_FALSE(locator->primary());  // every sentinel down
  EXPECT_EQ(probe->asked.size(), 3u);
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  EXPECT_FALSE(locator->primary());  // within the pause: nobody is asked
  EXPECT_EQ(probe->asked.size(), 3u);
}

TEST_F(LocatorTest, WithEverySentinelDownTheLastPrimaryKnownIsTriedAgain) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_TRUE(locator->primary());
  auto generation = locator->generation();
  probe->sentinels.clear();     // every sentinel down
  locator->distrust(at(6379));  // and a connection to the primary timed out
  auto again = locator->primary();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->port, 6379);
  EXPECT_EQ(locator->generation(), generation);
  EXPECT_EQ(probe->asked.size(), 4u);  // the sentinels were asked first
}

TEST_F(LocatorTest, ADiscoveryOverlappingAnAnnouncementDoesNotUndoIt) {
  make();
  // The probe announces a failover while the discovery is asking: what the
  // discovery learnt (the old primary) is older than the announcement.
  struct AnnouncingProbe : ScriptedProbe {
    SentinelLocator* locator = nullptr;
    SentinelAnswer ask(const RedisEndpoint& sentinel, const std::string& name) override {
      if (locator) locator->announce(at(6380));
      locator = nullptr;
      return ScriptedProbe::ask(sentinel, name);
    }
  };
  auto owned = std::make_unique<AnnouncingProbe>();
  AnnouncingProbe* announcing = owned.get();
  locator = std::make_unique<SentinelLocator>(three_sentinels(), "mymaster", 0, std::move(owned),
                                              std::chrono::milliseconds(0));
  announcing->locator = locator.get();
  announcing->sentinels = {{26379, names(6379)}};
  announcing->servers = {{6379, ServerRole::primary}};
  auto found = locator->primary();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->port, 6380);
  EXPECT_EQ(locator->primary()->port, 6380);
}

TEST_F(LocatorTest, TheGenerationComesWithThePrimaryItBelongsTo) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  std::uint64_t generation = 0;
  ASSERT_TRUE(locator->primary(generation));
  EXPECT_EQ(generation, locator->generation());  // the first discovery's, not the one before
}

TEST_F(LocatorTest, WithoutAPauseEachCallAsksAgainUntilAPrimaryIsFound) {
  make();
  EXPECT_FALSE(locator->primary());
  probe->sentinels = {{26380, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_TRUE(locator->primary());
  EXPECT_EQ(locator->sentinels()[0].port, 26380);
}

TEST_F(LocatorTest, AnAnnouncedFailoverIsFollowedAtOnce) {
  make();
  probe->sentinels = {{26379, names(6379)}};
  probe->servers = {{6379, ServerRole::primary}};
  ASSERT_TRUE(locator->primary());
  auto before = locator->generation();
  locator->announce(at(6381));
  EXPECT_EQ(locator->primary()->port, 6381);
  EXPECT_EQ(locator->primary()->db, 3);
  EXPECT_GT(locator->generation(), before);
  EXPECT_EQ(changes, std::vector<int>{6381});
  EXPECT_EQ(probe->asked.size(), 1u);  // the announcement needed no question
  locator->announce(at(6381));         // the same announcement from another sentinel
  EXPECT_EQ(changes.size(), 1u);
}

TEST(FixedLocatorTest, AlwaysTheConfiguredServer) {
  FixedLocator locator(at(6379));
  locator.distrust(at(6379));
  EXPECT_EQ(locator.primary()->port, 6379);
  EXPECT_EQ(locator.generation(), 0u);
  EXPECT_FALSE(locator.verifies_role());
}

}  // namespace
}  // namespace incident
