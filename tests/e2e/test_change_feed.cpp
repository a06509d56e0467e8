// End-to-end: the change feed as alerting systems use it. Concurrent writers
// change incidents while one consumer reads the Redis stream from the start
// and another (a consumer group) crashes and resumes: every acknowledged
// write is there exactly once, in version order, and nothing else is.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "channel_listener.hpp"
#include "fixtures.hpp"
#include "server_process.hpp"
#include "stream_reader.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;
using Change = std::pair<long long, long long>;  // incident id, version

constexpr int kIncidents = 50;
constexpr int kWriters = 4;
constexpr int kWritesPerWriter = 500;

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = "change-feed-secret";
    server_ = std::make_unique<ServerProcess>(options);
    ASSERT_TRUE(server_->start()) << server_->failure();
    api_ = std::make_unique<ApiClient>(server_->client());
    token_ = issue_token(*api_, TokenRequest("change-feed-secret"));
    scope_ = create_catalog(*api_, token_, "scope")["id"].get<long long>();
    service_ = create_catalog(*api_, token_, "service")["id"].get<long long>();
  }

  std::string socket_path() const { return server_->data_dir() + "/redis.sock"; }

  /// One write through HTTP; the (id, version) it produced when acknowledged.
  std::optional<Change> write(const ApiClient& api, long long id, int n) {
    Headers prefer{{"Prefer", "return=representation"}};
    Response response;
    if (n % 10 == 7) {  // a conditional update bound to fail: never in the feed
      prefer.emplace_back("If-Match", "\"999999\"");
      response = api.post_form("/api/incident/" + std::to_string(id) + "/update",
                               {{"scope", std::to_string(scope_)},
                                {"service", std::to_string(service_)},
                                {"name", "never applied"},
                                {"severity", "low"},
                                {"status", "active"}},
                               token_, prefer);
      EXPECT_EQ(response.status, 412) << response.describe();
    } else if (n % 10 == 3) {  // an invalid update: never in the feed
      response = api.post_form("/api/incident/" + std::to_string(id) + "/update",
                               {{"severity", "bogus"}}, token_, prefer);
      EXPECT_EQ(response.status, 400) << response.describe();
    } else if (n % 2 == 0) {
      response = api.post_form("/api/incident/" + std::to_string(id) + "/comment",
                               {{"comment", "note " + std::to_string(n)}}, token_, prefer);
    } else {
      response = api.post_form("/api/incident/" + std::to_string(id) + "/update",
                               {{"scope", std::to_string(scope_)},
                                {"service", std::to_string(service_)},
                                {"name", unique_name("renamed")},
                                {"severity", n % 4 == 1 ? "high" : "low"},
                                {"status", n % 3 == 0 ? "investigating" : "active"}},
                               token_, prefer);
    }
    if (response.status != 200) return std::nullopt;
    return Change{id, response.json()["version"].get<long long>()};
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
  std::string token_;
  long long scope_ = 0, service_ = 0;
};

/// Incident changes of a list of entries, in stream order.
std::vector<Change> incident_changes(const std::vector<StreamEntry>& entries) {
  std::vector<Change> out;
  for (const auto& entry : entries)
    if (entry.message.is_object() &&
        entry.message["type"].get<std::string>().rfind("incident.", 0) == 0)
      out.emplace_back(entry.message["id"].get<long long>(),
                       entry.message["version"].get<long long>());
  return out;
}

void expect_exactly(const std::vector<Change>& seen, const std::set<Change>& acknowledged,
                    const char* who) {
  std::set<Change> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << who << " saw a change twice";
  EXPECT_EQ(unique, acknowledged) << who << " did not see exactly the acknowledged writes";
  std::map<long long, long long> last_version;
  for (const auto& [id, version] : seen) {
    EXPECT_GT(version, last_version[id]) << who << ": incident " << id << " out of order";
    last_version[id] = version;
  }
}

TEST_F(ChangeFeedTest, EveryAcknowledgedWriteAppearsOnceInOrderEvenForAConsumerThatRestarts) {
  StreamReader group_setup(socket_path());
  ASSERT_TRUE(group_setup.connected());
  ASSERT_TRUE(group_setup.create_group("alerting"));
  std::set<Change> acknowledged;
  std::mutex acknowledged_mutex;
  std::vector<long long> ids;
  for (int i = 0; i < kIncidents; ++i) {
    json created = create_incident(*api_, token_, incident_fields(scope_, service_));
    ids.push_back(created["id"].get<long long>());
    acknowledged.insert({ids.back(), created["version"].get<long long>()});
  }
  std::atomic<bool> writers_done{false};

  // Consumer 1 reads everything from the start with XREAD.
  std::vector<StreamEntry> from_start;
  std::thread reader([&] {
    StreamReader stream(socket_path());
    std::string last = "0-0";
    for (int idle = 0; idle < 3;) {
      auto batch = stream.read_after(last, 200, 300);
      if (batch.empty() && writers_done) ++idle;
      for (auto& entry : batch) last = entry.id, from_start.push_back(std::move(entry));
    }
  });

  // Consumer 2 (a consumer group) crashes midway: it has received a batch it
  // never acknowledged; restarted, it takes its pending entries first.
  std::vector<StreamEntry> acked_by_group;
  std::thread group_consumer([&] {
    {
      StreamReader before_crash(socket_path());
      while (acked_by_group.size() < 600 && !writers_done) {
        for (auto& entry : before_crash.read_group("alerting", "pager", ">", 50, 300))
          if (before_crash.ack("alerting", entry.id)) acked_by_group.push_back(std::move(entry));
      }
      before_crash.read_group("alerting", "pager", ">", 50, 300);  // received, then killed
    }
    StreamReader restarted(socket_path());
    for (auto& entry : restarted.read_group("alerting", "pager", "0", 1000, 0))
      if (restarted.ack("alerting", entry.id)) acked_by_group.push_back(std::move(entry));
    for (int idle = 0; idle < 3;) {
      auto batch = restarted.read_group("alerting", "pager", ">", 200, 300);
      if (batch.empty() && writers_done) ++idle;
      for (auto& entry : batch)
        if (restarted.ack("alerting", entry.id)) acked_by_group.push_back(std::move(entry));
    }
  });

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      ApiClient api(server_->client());
      std::mt19937 random(w);
      for (int n = 0; n < kWritesPerWriter; ++n) {
        auto change = write(api, ids[random() % ids.size()], n);
        std::lock_guard<std::mutex> lock(acknowledged_mutex);
        if (change) {
          EXPECT_TRUE(acknowledged.insert(*change).second) << "version given twice";
        }
      }
    });
  for (auto& writer : writers) writer.join();
  writers_done = true;
  reader.join();
  group_consumer.join();

  EXPECT_GT(acknowledged.size(), 1000u);
  expect_exactly(incident_changes(from_start), acknowledged, "the XREAD consumer");
  expect_exactly(incident_changes(acked_by_group), acknowledged, "the consumer group");
  ASSERT_GE(from_start.size(), 2u);
  EXPECT_EQ(from_start[0].message["type"], "scope.created");
  EXPECT_EQ(from_start[1].message["type"], "service.created");
}

TEST_F(ChangeFeedTest, MessagesCarryTheChangeAndTheIncidentWithTheEventsItAdded) {
  json created = create_incident(*api_, token_, incident_fields(scope_, service_));
  long long id = created["id"].get<long long>();
  api_->post_form("/api/incident/" + std::to_string(id) + "/comment",
                  {{"comment", "private note"}, {"internal", "1"}}, token_);
  api_->post_form("/api/incident/" + std::to_string(id) + "/delete", {}, token_);
  StreamReader stream(socket_path());
  auto entries = stream.read_after("0-0", 100, 0);
  ASSERT_EQ(entries.size(), 5u);  // scope, service, created, commented, deleted
  json commented = entries[3].message;
  EXPECT_EQ(commented["type"], "incident.commented");
  EXPECT_EQ(commented["version"], 2);
  EXPECT_EQ(commented["incident"]["events"][0]["content"], "private note");
  EXPECT_EQ(commented["incident"]["events"][0]["internal"], true);
  EXPECT_EQ(commented["incident"]["events"].size(), 1u) << "only the event it added";
  EXPECT_EQ(commented["incident"]["name"], created["name"]);
  EXPECT_EQ(entries[2].message["changes"]["name"][1], created["name"]);
  EXPECT_EQ(entries[2].message["incident"]["events"][0]["type"], "create");
  EXPECT_EQ(entries[4].message["type"], "incident.deleted");
  EXPECT_EQ(entries[4].message["version"], 3);
  EXPECT_EQ(entries[4].message["incident"]["events"], json::array());
}

// Every connection writes to one incident at once, so its actor commits
// several queued writes per Redis call: each write still gets its own version,
// stream entry and event, and the feed alone rebuilds the incident's history.
TEST_F(ChangeFeedTest, ConcurrentWritesToOneIncidentEachGetTheirOwnVersionAndMessage) {
  json created = create_incident(*api_, token_, incident_fields(scope_, service_));
  const long long id = created["id"].get<long long>();
  constexpr int kHotWriters = 8, kHotWrites = 150;
  std::map<long long, std::string> comment_of_version;  // acknowledged comments
  std::set<long long> versions{1};
  std::mutex mutex;
  std::vector<std::thread> writers;
  for (int w = 0; w < kHotWriters; ++w)
    writers.emplace_back([&, w] {
      ApiClient api(server_->client());
      for (int n = 0; n < kHotWrites; ++n) {
        std::string words = "writer " + std::to_string(w) + " note " + std::to_string(n);
        Response response = n % 5 == 4
                                ? api.post_form("/api/incident/" + std::to_string(id) + "/update",
                                                {{"scope", std::to_string(scope_)},
                                                 {"service", std::to_string(service_)},
                                                 {"name", "hot " + words},
                                                 {"severity", n % 2 ? "high" : "low"},
                                                 {"status", "investigating"}},
                                                token_, {{"Prefer", "return=representation"}})
                                : api.post_form("/api/incident/" + std::to_string(id) + "/comment",
                                                {{"comment", words}}, token_,
                                                {{"Prefer", "return=representation"}});
        ASSERT_EQ(response.status, 200) << response.describe();
        json incident = response.json();
        long long version = incident["version"].get<long long>();
        std::lock_guard<std::mutex> lock(mutex);
        EXPECT_TRUE(versions.insert(version).second) << "version " << version << " given twice";
        if (n % 5 != 4) {
          EXPECT_EQ(incident["events"][0]["content"], words) << "answered another write's state";
          comment_of_version[version] = words;
        }
      }
    });
  for (auto& writer : writers) writer.join();
  const long long writes = kHotWriters * kHotWrites;
  EXPECT_EQ(versions.size(), static_cast<std::size_t>(writes + 1));
  EXPECT_EQ(*versions.rbegin(), writes + 1) << "versions are not consecutive";

  json stored = fetch_incident(*api_, id, token_);
  EXPECT_EQ(stored["version"], writes + 1);
  ASSERT_EQ(stored["events"].size(), static_cast<std::size_t>(writes + 1));

  StreamReader stream(socket_path());
  std::vector<json> events_from_feed;  // oldest first
  long long expected_version = 1;
  for (std::string last = "0-0";;) {
    auto batch = stream.read_after(last, 1000, 1);
    if (batch.empty()) break;
    for (const auto& entry : batch) {
      last = entry.id;
      if (entry.message.value("id", -1LL) != id ||
          entry.message.value("type", "").rfind("incident.", 0) != 0)
        continue;
      EXPECT_EQ(entry.message["version"], expected_version++) << "feed out of version order";
      ASSERT_EQ(entry.message["incident"]["events"].size(), 1u) << entry.message.dump();
      const json& event = entry.message["incident"]["events"][0];
      long long version = entry.message["version"].get<long long>();
      if (comment_of_version.count(version)) {
        EXPECT_EQ(event["content"], comment_of_version[version]) << "version " << version;
      }
      events_from_feed.push_back(event);
    }
  }
  EXPECT_EQ(expected_version, writes + 2) << "one message per write, no more, no less";
  // The history GET shows (newest first) is the feed's events, in order.
  ASSERT_EQ(events_from_feed.size(), stored["events"].size());
  for (std::size_t i = 0; i < events_from_feed.size(); ++i)
    EXPECT_EQ(events_from_feed[i], stored["events"][stored["events"].size() - 1 - i]) << i;
}

// The pub/sub side of the feed: every change is published on the channel of
// all incidents and on its incident's own, in commit order, with the text the
// stream holds for it; writes racing on one incident are published one by one.
TEST_F(ChangeFeedTest, ChannelsAnnounceEveryChangeInCommitOrderWithTheStreamsText) {
  const long long hot = create_incident(*api_, token_, incident_fields(scope_, service_))["id"];
  const long long other = create_incident(*api_, token_, incident_fields(scope_, service_))["id"];
  const std::string all_channel = "pm:incidents";
  const std::string hot_channel = "pm:incident:" + std::to_string(hot);
  ChannelListener listener(socket_path(), {all_channel, hot_channel});
  ASSERT_TRUE(listener.subscribed());
  constexpr int kWriters = 4, kWrites = 25;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      ApiClient api(server_->client());
      for (int n = 0; n < kWrites; ++n) {
        Response response = api.post_form("/api/incident/" + std::to_string(hot) + "/comment",
                                          {{"comment", "w" + std::to_string(w)}}, token_);
        EXPECT_EQ(response.status, 302) << response.describe();
      }
    });
  for (auto& writer : writers) writer.join();
  api_->post_form("/api/incident/" + std::to_string(other) + "/comment", {{"comment", "x"}},
                  token_);
  const std::size_t expected = 2 * kWriters * kWrites + 1;  // the hot ones twice, the other once
  std::vector<ChannelMessage> received;
  // Publishing follows the commit, so the creates made before subscribing
  // may still arrive: only the comments made after it are counted.
  for (auto& message : listener.receive(expected + 3, 1000))
    if (message.message.value("type", "") == "incident.commented")
      received.push_back(std::move(message));
  ASSERT_EQ(received.size(), expected) << "one message per channel per change, no more";

  std::map<std::string, std::vector<long long>> versions;  // per channel, in arrival order
  std::map<long long, std::string> text_of_version;        // the hot incident's messages
  for (const auto& message : received) {
    ASSERT_TRUE(message.message.is_object()) << message.data;
    const long long id = message.message["id"];
    if (message.channel == hot_channel) {
      EXPECT_EQ(id, hot) << "another incident on its channel";
    }
    if (id == other) {
      EXPECT_EQ(message.channel, all_channel);
      continue;
    }
    versions[message.channel].push_back(message.message["version"]);
    text_of_version[message.message["version"]] = message.data;
  }
  std::vector<long long> in_order;
  for (long long v = 2; v <= kWriters * kWrites + 1; ++v) in_order.push_back(v);
  EXPECT_EQ(versions[hot_channel], in_order);
  EXPECT_EQ(versions[all_channel], in_order);

  StreamReader stream(socket_path());
  std::size_t compared = 0;
  for (const auto& entry : stream.read_after("0-0", 1000, 0)) {
    if (entry.message.value("id", -1LL) != hot || entry.message["version"] == 1) continue;
    EXPECT_EQ(json::parse(text_of_version[entry.message["version"]]), entry.message);
    ++compared;
  }
  EXPECT_EQ(compared, in_order.size());
}

TEST_F(ChangeFeedTest, TwoProcessesOnOneRedisLoseNoUpdateAndConverge) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = "change-feed-secret";
  options.env.emplace_back("PM_REDIS_URI", "unix://" + socket_path());
  ServerProcess second(options);
  ASSERT_TRUE(second.start()) << second.failure();
  std::vector<long long> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(create_incident(*api_, token_, incident_fields(scope_, service_))["id"]);
  std::map<long long, int> acknowledged;
  std::mutex mutex;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      ApiClient api(w % 2 == 0 ? server_->client() : second.client());
      for (int n = 0; n < 100; ++n) {
        long long id = ids[(n + w) % ids.size()];
        auto change = write(api, id, n % 2 == 0 ? 0 : 1);  // comments and renames only
        std::lock_guard<std::mutex> lock(mutex);
        if (change) ++acknowledged[id];
      }
    });
  for (auto& writer : writers) writer.join();
  ApiClient through_second(second.client());
  for (long long id : ids) {
    json first_view = fetch_incident(*api_, id, token_);
    EXPECT_EQ(first_view["version"], 1 + acknowledged[id]) << "incident " << id;
    EXPECT_EQ(first_view["events"].size(), 1u + acknowledged[id]);
    // The other process converges on the same state (it follows the feed);
    // only links differ, as each is built from the Host the client used.
    first_view.erase("links");
    json second_view;
    for (int attempt = 0; attempt < 40; ++attempt) {
      second_view = fetch_incident(through_second, id, token_);
      second_view.erase("links");
      if (second_view == first_view) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(second_view == first_view)
        << "incident " << id << ": version " << second_view["version"] << " through the second "
        << "process, " << first_view["version"] << " through the first";
  }
}

}  // namespace
}  // namespace e2e
