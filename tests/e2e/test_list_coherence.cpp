// End-to-end: lists and GETs filled from kept renderings stay exact. Two processes on
// one Redis: a list read after a write acknowledged by the other process
// shows it; a listed item is byte for byte what a GET answers; repeated GETs
// answer the current version's bytes for each audience; anonymous
// lists never show an internal event, even once the token holder's rendering
// is kept; and while writers update and delete, list walkers only ever see
// versions that existed, and no incident after its delete was acknowledged.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "fixtures.hpp"
#include "server_process.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kSecret = "list-coherence-secret";

class ListCoherenceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = kSecret;
    // One base URL for every process, so that their answers' bytes compare.
    options.extra_args = {"--external-url", "http://incidents.test"};
    first_ = new ServerProcess(options);
    ASSERT_TRUE(first_->start()) << first_->failure();
    options.env.emplace_back("PM_REDIS_URI", "unix://" + first_->data_dir() + "/redis.sock");
    second_ = new ServerProcess(options);
    ASSERT_TRUE(second_->start()) << second_->failure();
    // A process that keeps no rendering: every answer of it rendered anew.
    options.extra_args.insert(options.extra_args.end(), {"--render-cache-bytes", "0"});
    uncached_ = new ServerProcess(options);
    ASSERT_TRUE(uncached_->start()) << uncached_->failure();
    ApiClient api(first_->client());
    token_ = issue_token(api, TokenRequest(kSecret));
    scope_ = id_of(create_catalog(api, token_, "scope"));
    service_ = id_of(create_catalog(api, token_, "service"));
  }

  static void TearDownTestSuite() {
    delete uncached_;
    delete second_;
    delete first_;
  }

  static ApiClient first() { return ApiClient(first_->client()); }
  static ApiClient second() { return ApiClient(second_->client()); }
  static ApiClient uncached() { return ApiClient(uncached_->client()); }

  /// A list restricted to this test's incidents (a fresh service each test).
  long long fresh_service() { return id_of(create_catalog(first(), token_, "service")); }

  std::string list_path(long long service, int page, int per_page) {
    return "/api/incident?service=" + std::to_string(service) + "&page=" + std::to_string(page) +
           "&per_page=" + std::to_string(per_page);
  }

  json create_in(const ApiClient& api, long long service, const std::string& name) {
    return create_incident(api, token_, merged(incident_fields(scope_, service), {{"name", name}}));
  }

  static ServerProcess* first_;
  static ServerProcess* second_;
  static ServerProcess* uncached_;
  static std::string token_;
  static long long scope_;
  static long long service_;
};

ServerProcess* ListCoherenceTest::first_ = nullptr;
ServerProcess* ListCoherenceTest::second_ = nullptr;
ServerProcess* ListCoherenceTest::uncached_ = nullptr;
std::string ListCoherenceTest::token_;
long long ListCoherenceTest::scope_ = 0;
long long ListCoherenceTest::service_ = 0;

/// The listed item of incident `id`, or null.
json item_of(const json& items, long long id) {
  for (const auto& item : items)
    if (item["id"] == id) return item;
  return nullptr;
}

TEST_F(ListCoherenceTest, AListReadAfterAWriteThroughTheOtherProcessShowsIt) {
  long long service = fresh_service();
  std::vector<long long> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(id_of(create_in(first(), service, "coherent")));
  for (int round = 0; round < 40; ++round) {
    // Read (and keep) every item's rendering in the first process...
    Response warm = first().get(list_path(service, 1, 50), token_);
    ASSERT_EQ(warm.status, 200) << warm.describe();
    // ...then change one through the second, and list again in the first.
    long long id = ids[round % ids.size()];
    Response written =
        round % 2
            ? second().post_form(incident_path(id) + "/comment",
                                 {{"comment", "round " + std::to_string(round)}}, token_,
                                 kPreferRepresentation)
            : second().post_form(incident_path(id) + "/update",
                                 update_fields(fetch_incident(second(), id, token_),
                                               {{"name", "renamed " + std::to_string(round)}}),
                                 token_, kPreferRepresentation);
    ASSERT_EQ(written.status, 200) << written.describe();
    long long version = written.json()["version"];
    Response listed = first().get(list_path(service, 1, 50), token_);
    ASSERT_EQ(listed.status, 200) << listed.describe();
    json item = item_of(listed.json()["items"], id);
    ASSERT_FALSE(item.is_null());
    EXPECT_EQ(item["version"], version) << "round " << round;
  }
}

TEST_F(ListCoherenceTest, AListedItemIsTheSameBytesAsAGetOfIt) {
  long long service = fresh_service();
  for (int i = 0; i < 5; ++i) {
    long long id = id_of(create_in(first(), service, "same bytes \u00e9\u00e8 \"quoted\" </tag>"));
    first().post_form(incident_path(id) + "/comment", {{"comment", "line\nbreak \u2603"}}, token_);
    first().post_form(incident_path(id) + "/comment", {{"comment", "secret"}, {"internal", "1"}},
                      token_);
  }
  for (const std::string& token : {token_, std::string()}) {
    const char* who = token.empty() ? "anonymous" : "token holder";
    for (int pass = 0; pass < 2; ++pass) {  // rendered, then kept
      Response listed = first().get(list_path(service, 1, 50), token);
      ASSERT_EQ(listed.status, 200) << listed.describe();
      // The same page from a process that keeps nothing: the same bytes.
      Response fresh = uncached().get(list_path(service, 1, 50), token);
      ASSERT_EQ(fresh.status, 200) << fresh.describe();
      EXPECT_EQ(listed.body, fresh.body) << who << " pass " << pass;
      const json page = listed.json();
      ASSERT_EQ(page["items"].size(), 5u);
      for (const auto& item : page["items"]) {
        for (const ApiClient& api : {first(), uncached()}) {
          Response got = api.get(incident_path(item["id"]), token);
          ASSERT_EQ(got.status, 200) << got.describe();
          EXPECT_NE(listed.body.find(got.body), std::string::npos)
              << who << " pass " << pass << "\n"
              << got.body;
        }
      }
    }
  }
}

TEST_F(ListCoherenceTest, AnonymousListsNeverShowInternalEventsOnceTheFullOneIsKept) {
  long long service = fresh_service();
  long long id = id_of(create_in(first(), service, "internal detail"));
  Response comment = first().post_form(incident_path(id) + "/comment",
                                       {{"comment", "only for staff"}, {"internal", "1"}}, token_);
  ASSERT_LT(comment.status, 400) << comment.describe();
  for (int pass = 0; pass < 3; ++pass) {
    for (const ServerProcess* server : {first_, second_}) {
      ApiClient api(server->client());
      Response holder = api.get(list_path(service, 1, 20), token_);
      ASSERT_EQ(holder.status, 200) << holder.describe();
      EXPECT_NE(holder.body.find("only for staff"), std::string::npos);
      Response anonymous = api.get(list_path(service, 1, 20));
      ASSERT_EQ(anonymous.status, 200) << anonymous.describe();
      EXPECT_EQ(anonymous.body.find("only for staff"), std::string::npos) << anonymous.body;
      EXPECT_EQ(anonymous.json()["items"].size(), 1u);
    }
  }
}

/// The value of the unlabelled metric `name` in a /metrics scrape of `api`.
double metric(const ApiClient& api, const std::string& name) {
  std::istringstream lines(api.get("/metrics").body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

/// The version a GET of `id` through `api` answers, polled until it is `version`.
bool shows_version(const ApiClient& api, long long id, long long version) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    Response got = api.get(incident_path(id));
    if (got.status == 200 && got.json()["version"] == version) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(ListCoherenceTest, RepeatedGetsAreTheCurrentVersionsBytesForEachAudience) {
  long long id = id_of(create_in(first(), fresh_service(), "read again and again"));
  ASSERT_LT(first()
                .post_form(incident_path(id) + "/comment",
                           {{"comment", "only for staff"}, {"internal", "1"}}, token_)
                .status,
            400);
  const double hits_before = metric(first(), "incident_api_render_cache_hits_total");
  for (int round = 0; round < 6; ++round) {
    for (const std::string& token : {token_, std::string(), token_}) {
      const char* who = token.empty() ? "anonymous" : "token holder";
      // The first GET after a write through the actor, the next ones from the
      // HTTP thread: rendered, then kept from the third; each the bytes of the
      // last write, for its audience (the creation's event and the internal
      // comment are token holders' only).
      std::string first_answer;
      for (int pass = 0; pass < 5; ++pass) {
        Response got = first().get(incident_path(id), token);
        ASSERT_EQ(got.status, 200) << got.describe();
        EXPECT_EQ(got.json()["events"].size(),
                  static_cast<std::size_t>(round + (token.empty() ? 0 : 2)))
            << who << " round " << round << " pass " << pass;
        EXPECT_EQ(got.body.find("only for staff") == std::string::npos, token.empty()) << who;
        if (pass == 0) first_answer = got.body;
        EXPECT_EQ(got.body, first_answer) << who << " round " << round << " pass " << pass;
      }
      // The process that keeps no rendering answers the same bytes.
      ASSERT_TRUE(shows_version(uncached(), id, json::parse(first_answer)["version"]));
      EXPECT_EQ(uncached().get(incident_path(id), token).body, first_answer) << who;
    }
    // A write through this process: the next GET answers it, whatever was kept.
    Response written = round % 2
                           ? first().post_form(incident_path(id) + "/comment",
                                               {{"comment", "round " + std::to_string(round)}},
                                               token_, kPreferRepresentation)
                           : second().post_form(incident_path(id) + "/comment",
                                                {{"comment", "round " + std::to_string(round)}},
                                                token_, kPreferRepresentation);
    ASSERT_EQ(written.status, 200) << written.describe();
    long long version = written.json()["version"];
    if (round % 2) {
      EXPECT_EQ(first().get(incident_path(id)).json()["version"], version);
    } else {  // through the other process: once the change feed brought it
      EXPECT_TRUE(shows_version(first(), id, version)) << "round " << round;
    }
  }
  // Most answers came from a kept rendering.
  EXPECT_GE(metric(first(), "incident_api_render_cache_hits_total") - hits_before, 6 * 3);
}

/// What the writers were told, for the readers' checks afterwards.
struct Acknowledged {
  std::mutex mutex;
  std::map<std::pair<long long, long long>, json> versions;  // (id, version) -> the incident
  std::map<long long, Clock::time_point> deleted;            // id -> when its delete was answered
};

json without_links(json incident) {
  incident.erase("links");
  return incident;
}

TEST_F(ListCoherenceTest, ListWalkersSeeOnlyVersionsThatExistedAndNothingDeleted) {
  long long service = fresh_service();
  Acknowledged acknowledged;
  std::vector<long long> ids;
  for (int i = 0; i < 40; ++i) {
    json created = create_in(first(), service, "walked " + std::to_string(i));
    ids.push_back(id_of(created));
    acknowledged.versions[{ids.back(), created["version"]}] = without_links(created);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      ApiClient api = w == 0 ? first() : second();
      for (int n = 0; !stop && n < 400; ++n) {
        long long id = ids[(n * 2 + w) % ids.size()];
        {
          std::lock_guard<std::mutex> lock(acknowledged.mutex);
          if (acknowledged.deleted.count(id)) continue;
        }
        if (n % 25 == 24 && w == 0) {
          Response gone = api.post_form(incident_path(id) + "/delete", {}, token_);
          if (gone.status == 302 || gone.status == 200 || gone.status == 204) {
            std::lock_guard<std::mutex> lock(acknowledged.mutex);
            acknowledged.deleted[id] = Clock::now();
          }
          continue;
        }
        Response written =
            n % 2 ? api.post_form(incident_path(id) + "/comment",
                                  {{"comment", "n" + std::to_string(n)}}, token_,
                                  kPreferRepresentation)
                  : api.post_form(
                        incident_path(id) + "/update",
                        merged(incident_fields(scope_, service),
                               {{"name", "w" + std::to_string(w) + " n" + std::to_string(n)}}),
                        token_, kPreferRepresentation);
        if (written.status != 200) continue;  // deleted meanwhile by the other writer
        json incident = written.json();
        std::lock_guard<std::mutex> lock(acknowledged.mutex);
        acknowledged.versions[{incident["id"], incident["version"]}] = without_links(incident);
      }
    });
  struct Seen {
    json item;
    Clock::time_point asked;
  };
  std::mutex seen_mutex;
  std::vector<Seen> seen;
  std::atomic<int> pages{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r)
    readers.emplace_back([&, r] {
      ApiClient api = r == 0 ? first() : second();
      while (!stop) {
        for (int page = 1; page <= 4 && !stop; ++page) {
          Clock::time_point asked = Clock::now();
          Response listed = api.get(list_path(service, page, 10), token_);
          ASSERT_EQ(listed.status, 200) << listed.describe();
          ++pages;
          std::lock_guard<std::mutex> lock(seen_mutex);
          const json items = listed.json()["items"];
          for (const auto& item : items) seen.push_back({item, asked});
        }
      }
    });
  for (auto& writer : writers) writer.join();
  stop = true;
  for (auto& reader : readers) reader.join();
  ASSERT_GT(pages.load(), 20);
  std::size_t checked = 0;
  for (const auto& [item, asked] : seen) {
    long long id = item["id"], version = item["version"];
    auto known = acknowledged.versions.find({id, version});
    ASSERT_NE(known, acknowledged.versions.end()) << "never acknowledged: " << item.dump();
    EXPECT_EQ(without_links(item), known->second);
    auto deleted = acknowledged.deleted.find(id);
    if (deleted != acknowledged.deleted.end()) {
      EXPECT_LT(asked, deleted->second) << "listed after its delete was acknowledged: " << id;
    }
    ++checked;
  }
  EXPECT_GT(checked, 200u);
  EXPECT_FALSE(acknowledged.deleted.empty());
}

}  // namespace
}  // namespace e2e
