// End-to-end: GET /api/incident/stream, the change feed as Server-Sent Events:
// live changes, resume with Last-Event-ID, heartbeats, and the public view for
// anonymous readers (no internal event, no internal comment, ever).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "event_stream_reader.hpp"
#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "socket_io.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;

class EventStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = "event-stream-secret";
    options.extra_args = {"--sse-heartbeat-seconds", "1"};
    server_ = new ServerProcess(options);
    ASSERT_TRUE(server_->start()) << server_->failure();
    api_ = new ApiClient(server_->client());
    token_ = issue_token(*api_, TokenRequest("event-stream-secret"));
    scope_ = create_catalog(*api_, token_, "scope")["id"].get<long long>();
    service_ = create_catalog(*api_, token_, "service")["id"].get<long long>();
  }
  static void TearDownTestSuite() {
    delete api_;
    delete server_;
  }

  static Headers bearer() { return {{"Authorization", "Bearer " + token_}}; }
  static long long create() {
    return create_incident(*api_, token_, incident_fields(scope_, service_))["id"].get<long long>();
  }
  static void comment(long long id, const std::string& text, bool internal) {
    Response response =
        api_->post_form("/api/incident/" + std::to_string(id) + "/comment",
                        {{"comment", text}, {"internal", internal ? "1" : "0"}}, token_);
    ASSERT_EQ(response.status, 302) << response.describe();
  }

  static ServerProcess* server_;
  static ApiClient* api_;
  static std::string token_;
  static long long scope_, service_;
};

ServerProcess* EventStreamTest::server_ = nullptr;
ApiClient* EventStreamTest::api_ = nullptr;
std::string EventStreamTest::token_;
long long EventStreamTest::scope_ = 0, EventStreamTest::service_ = 0;

TEST_F(EventStreamTest, ATokenHolderReceivesNewChangesWithTheirInternalEvents) {
  EventStreamReader stream(server_->port(), bearer());
  ASSERT_EQ(stream.status(), 200);
  long long id = create();
  comment(id, "internal note for the team", true);
  auto events = stream.read(2, 5000, false);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "incident.created");
  EXPECT_EQ(events[1].type, "incident.commented");
  json commented = json::parse(events[1].data);
  EXPECT_EQ(commented["id"], id);
  EXPECT_EQ(commented["incident"]["events"][0]["content"], "internal note for the team");
  EXPECT_EQ(commented["incident"]["events"][0]["internal"], true);
}

TEST_F(EventStreamTest, AnonymousReadersNeverSeeInternalEventsNorInternalComments) {
  EventStreamReader stream(server_->port(), {});
  ASSERT_EQ(stream.status(), 200);
  long long id = create();
  comment(id, "secret-4242 do not publish", true);
  comment(id, "public update", false);
  auto events = stream.read(2, 5000, false);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "incident.created");
  EXPECT_EQ(events[1].type, "incident.commented");
  json commented = json::parse(events[1].data);
  EXPECT_EQ(commented["incident"]["events"].size(), 1u);
  EXPECT_EQ(commented["incident"]["events"][0]["content"], "public update");
  for (const auto& event : events) {
    EXPECT_EQ(event.data.find("secret-4242"), std::string::npos) << event.data;
    EXPECT_EQ(event.data.find("\"internal\":true"), std::string::npos) << event.data;
  }
  EXPECT_TRUE(stream.read(1, 1500, false).empty()) << "the internal comment leaked";
}

/// The updated event an anonymous reader gets after a rename away from a
/// secret code name: nothing of the previous values, live or replayed.
void expect_no_previous_values(const ServerSentEvent& updated) {
  EXPECT_EQ(updated.type, "incident.updated");
  EXPECT_EQ(updated.data.find("BLUEBIRD"), std::string::npos) << updated.data;
  EXPECT_EQ(updated.data.find("SECRET"), std::string::npos) << updated.data;
  json message = json::parse(updated.data);
  EXPECT_EQ(message["changes"], json::object());
  EXPECT_EQ(message["incident"]["name"], "Public name");
  EXPECT_EQ(message["incident"]["description"], "Public text");
}

TEST_F(EventStreamTest, AnonymousReadersNeverSeeTheValuesAnUpdateReplaced) {
  EventStreamReader live(server_->port(), {});
  ASSERT_EQ(live.status(), 200);
  EventStreamReader trusted(server_->port(), bearer());
  json created = create_incident(
      *api_, token_,
      merged(incident_fields(scope_, service_),
             {{"name", "Codename BLUEBIRD"}, {"description", "SECRET root cause: vendor X"}}));
  Response updated = api_->post_form(
      incident_path(created["id"].get<long long>()) + "/update",
      update_fields(created, {{"name", "Public name"}, {"description", "Public text"}}), token_);
  ASSERT_EQ(updated.status, 302) << updated.describe();

  auto events = live.read(2, 5000, false);
  ASSERT_EQ(events.size(), 2u);
  expect_no_previous_values(events[1]);
  // Token holders keep the whole message, previous values included.
  auto whole = trusted.read(2, 5000, false);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_NE(whole[1].data.find("Codename BLUEBIRD"), std::string::npos) << whole[1].data;

  EventStreamReader replayed(server_->port(), {{"Last-Event-ID", events[0].id}});
  auto again = replayed.read(1, 5000, false);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, events[1].id);
  expect_no_previous_values(again[0]);
}

TEST_F(EventStreamTest, AReaderResumesAfterItsLastEventId) {
  EventStreamReader first(server_->port(), bearer());
  long long id = create();
  comment(id, "one", false);
  comment(id, "two", false);
  auto seen = first.read(3, 5000, false);
  ASSERT_EQ(seen.size(), 3u);
  // Reconnecting after the first event replays exactly the two after it, in order.
  EventStreamReader resumed(server_->port(),
                            {{"Authorization", "Bearer " + token_}, {"Last-Event-ID", seen[0].id}});
  auto replay = resumed.read(2, 5000, false);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].id, seen[1].id);
  EXPECT_EQ(replay[1].id, seen[2].id);
  comment(id, "three", false);
  auto live = resumed.read(1, 5000, false);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(json::parse(live[0].data)["version"], 4);
}

TEST_F(EventStreamTest, TheLastEventIdMayAlsoBeAQueryParameter) {
  EventStreamReader stream(server_->port(), bearer(), "/api/incident/stream?last_event_id=0-0");
  auto events = stream.read(2, 5000, false);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "scope.created");
  EXPECT_EQ(events[1].type, "service.created");
}

TEST_F(EventStreamTest, HeartbeatsKeepAQuietStreamAlive) {
  EventStreamReader stream(server_->port(), {});
  auto beats = stream.read(3, 5000, true);
  ASSERT_EQ(beats.size(), 3u);
  for (const auto& beat : beats) EXPECT_TRUE(beat.id.empty());
}

TEST_F(EventStreamTest, AMalformedLastEventIdIsABadRequestNamingIt) {
  Response response = api_->get("/api/incident/stream", "", {{"Last-Event-ID", "yesterday"}});
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(response.json()["reasons"].contains("Last-Event-ID")) << response.describe();
}

TEST_F(EventStreamTest, AnIdBeyondWhatRedisCanHoldIsABadRequest) {
  Response response =
      api_->get("/api/incident/stream", "", {{"Last-Event-ID", "99999999999999999999-0"}});
  EXPECT_EQ(response.status, 400) << response.describe();
}

TEST_F(EventStreamTest, HeadCannotOpenAStream) {
  EXPECT_EQ(api_->send("HEAD", "/api/incident/stream", {}).status, 405);
}

TEST_F(EventStreamTest, AnInvalidTokenIsRefusedBeforeStreaming) {
  Response response = api_->get("/api/incident/stream", "not-a-token");
  EXPECT_EQ(response.status, 401) << response.describe();
}

TEST_F(EventStreamTest, ReadersThatLeaveDoNotDisturbTheServer) {
  for (int i = 0; i < 20; ++i) {
    EventStreamReader leaving(server_->port(), {});
    leaving.read(1, 50, true);
  }
  create();
  EXPECT_EQ(api_->get("/health").status, 200);
}

/// Raises this process's open-file limit to its hard limit (the server raises its own).
void raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

/// A server of the test's own (its environment extended by `env`), with a
/// token and one incident to comment on; `incident` is 0 when that failed.
struct OwnServer {
  OwnServer(const std::string& secret, std::vector<std::pair<std::string, std::string>> env = {}) {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = secret;
    options.env = std::move(env);
    server = std::make_unique<ServerProcess>(options);
    if (!server->start()) return;
    api = std::make_unique<ApiClient>(server->client());
    token = issue_token(*api, TokenRequest(secret));
    incident =
        id_of(create_incident(*api, token,
                              incident_fields(id_of(create_catalog(*api, token, "scope")),
                                              id_of(create_catalog(*api, token, "service")))));
  }
  Response comment(const std::string& text, bool internal = false) const {
    return api->post_form(incident_path(incident) + "/comment",
                          {{"comment", text}, {"internal", internal ? "1" : "0"}}, token);
  }
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<ApiClient> api;
  std::string token;
  long long incident = 0;
};

TEST(EventStreamFanOutTest, AThousandAnonymousReadersEachGetEveryPublicChangeInOrder) {
  raise_open_file_limit();
  OwnServer own("fan-out-secret");
  ASSERT_GT(own.incident, 0) << own.server->failure();
  ServerProcess& server = *own.server;

  constexpr int kReaders = 1000;
  constexpr int kPublic = 100;
  std::vector<std::unique_ptr<EventStreamReader>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<EventStreamReader>(server.port(), Headers{}));
    ASSERT_EQ(readers.back()->status(), 200) << "reader " << i;
  }
  for (int i = 0; i < kPublic; ++i) {
    ASSERT_EQ(own.comment("public " + std::to_string(i)).status, 302);
    if (i % 10 == 0) {
      ASSERT_EQ(own.comment("internal " + std::to_string(i), true).status, 302);
    }
  }
  for (int r = 0; r < kReaders; ++r) {
    auto events = readers[r]->read(kPublic, 20000, false);
    ASSERT_EQ(events.size(), static_cast<std::size_t>(kPublic)) << "reader " << r;
    for (int i = 0; i < kPublic; ++i) {
      json message = json::parse(events[i].data);
      ASSERT_EQ(message["incident"]["events"][0]["content"], "public " + std::to_string(i))
          << "reader " << r << " event " << i;
    }
    EXPECT_TRUE(readers[r]->read(1, 10, false).empty()) << "reader " << r << ": more than sent";
  }
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(EventStreamFloodTest, ReadersThatStopReadingCostABoundedBacklogEach) {
  OwnServer own("flood-secret", {{"ASAN_OPTIONS", small_asan_quarantine()}});
  ASSERT_GT(own.incident, 0) << own.server->failure();
  ServerProcess& server = *own.server;

  constexpr int kReaders = 100;
  std::vector<int> stalled;
  for (int i = 0; i < kReaders; ++i) {
    int fd = connect_to("127.0.0.1", server.port(), 5);
    ASSERT_GE(fd, 0);
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    write_all(fd, "GET /api/incident/stream HTTP/1.1\r\nHost: h\r\n\r\n");
    stalled.push_back(fd);  // never read from again
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long before = resident_kib(server.pid());
  const std::string text(60000, 'z');
  for (int i = 0; i < 300; ++i) ASSERT_EQ(own.comment(text).status, 302) << "comment " << i;
  long after = resident_kib(server.pid());
  // Sixteen MiB of backlog per reader would be 1.6 GB; the bound is 256 KiB
  // each, 25 MiB in all, beside the incident's 18 MB history (held and shown,
  // with ASan's red zones).
  EXPECT_LT(after - before, 256 * 1024)
      << "resident memory grew from " << before << " to " << after << " KiB";
  EXPECT_EQ(own.api->get("/health").status, 200);
  EXPECT_EQ(fetch_incident(*own.api, own.incident, own.token)["version"], 301);
  for (int fd : stalled) ::close(fd);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace e2e
