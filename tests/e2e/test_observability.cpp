// End-to-end: what operators see. Every answer carries an X-Request-Id (the
// client's when sane); the access log has one line per request with that id,
// its route pattern, token name, status, bytes and duration, as text or JSON;
// /metrics counts exactly the requests sent, passes promtool, and moves to a
// port of its own on request; /health/live and /health/ready tell a
// running process from one that can serve.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

constexpr char kSecret[] = "observability-secret";

ServerOptions options_with(std::vector<std::string> args) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = kSecret;
  options.extra_args = std::move(args);
  return options;
}

/// Lines of the server's log that mention `needle`, waiting up to 3 s for
/// one to appear (the access log is written every few milliseconds).
std::vector<std::string> log_lines_with(const ServerProcess& server, const std::string& needle) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    std::vector<std::string> found;
    std::istringstream log(server.log());
    for (std::string line; std::getline(log, line);)
      if (line.find(needle) != std::string::npos) found.push_back(line);
    if (!found.empty() || std::chrono::steady_clock::now() > deadline) return found;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Metric samples of a scrape: "name{labels}" -> value.
std::map<std::string, double> samples_of(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

bool is_made_id(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool is_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

double sample(const std::map<std::string, double>& samples, const std::string& key) {
  auto it = samples.find(key);
  return it == samples.end() ? -1 : it->second;
}

/// Runs promtool check metrics on `text`; its exit status and output.
std::pair<int, std::string> promtool_check(const std::string& text) {
  char path[] = "/tmp/metrics-XXXXXX";
  int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  std::ofstream(path) << text;
  ::close(fd);
  std::string command = "promtool check metrics < " + std::string(path) + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int status = pipe ? ::pclose(pipe) : -1;
  ::unlink(path);
  return {status, output};
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(options_with(std::move(args)));
    ASSERT_TRUE(server_->start()) << server_->failure();
    api_ = std::make_unique<ApiClient>(server_->client());
    TokenRequest request(kSecret);
    request.name = "ops-bot";
    token_ = issue_token(*api_, request);
    ASSERT_FALSE(token_.empty());
  }
  long long new_incident_id() {
    auto scope = create_catalog(*api_, token_, "scope");
    auto service = create_catalog(*api_, token_, "service");
    auto created =
        api_->post_form("/api/incident/create", incident_fields(scope["id"], service["id"]), token_,
                        kPreferRepresentation);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", 0LL);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
  std::string token_;
};

TEST_F(ObservabilityTest, EveryAnswerCarriesARequestIdTheClientsWhenSane) {
  start();
  auto own = api_->get("/health/live", "", {{"X-Request-Id", "checkout-42.retry:1"}});
  EXPECT_EQ(own.header_or_empty("X-Request-Id"), "checkout-42.retry:1");
  for (const std::string& insane : {std::string("has space"), std::string(129, 'a'),
                                    std::string("quote\"d"), std::string("tab\tbed")}) {
    auto replaced = api_->get("/health/live", "", {{"X-Request-Id", insane}});
    EXPECT_TRUE(is_made_id(replaced.header_or_empty("X-Request-Id")))
        << "sent '" << insane << "', got '" << replaced.header_or_empty("X-Request-Id") << "'";
  }
  auto first = api_->get("/api/incident/999999");
  auto second = api_->get("/api/incident/999999");
  EXPECT_EQ(first.status, 404);
  EXPECT_TRUE(is_made_id(first.header_or_empty("X-Request-Id")));
  EXPECT_NE(first.header_or_empty("X-Request-Id"), second.header_or_empty("X-Request-Id"));
  // A request refused before it was read whole has one too.
  auto malformed = api_->raw("GET /api/incident HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(is_made_id(malformed.header_or_empty("X-Request-Id")));
}

TEST_F(ObservabilityTest, TheAccessLogHasOneTextLinePerRequest) {
  start();
  long long id = new_incident_id();
  auto got =
      api_->get("/api/incident/" + std::to_string(id), token_, {{"X-Request-Id", "trace-get-1"}});
  ASSERT_EQ(got.status, 200);
  auto lines = log_lines_with(*server_, "request_id=trace-get-1 ");
  ASSERT_EQ(lines.size(), 1u) << server_->log();
  // "<27-character UTC time> ACCESS request_id=... bytes=<n> duration_us=<n>"
  const std::string fixed =
      " ACCESS request_id=trace-get-1 client=127.0.0.1 token=ops-bot method=GET "
      "route=/api/incident/:id path=/api/incident/" +
      std::to_string(id) + " status=200 bytes=";
  const std::string& line = lines[0];
  ASSERT_GT(line.size(), 27 + fixed.size()) << line;
  EXPECT_EQ(line.substr(27, fixed.size()), fixed) << line;
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[26], 'Z');
  auto tail = line.substr(27 + fixed.size());
  auto duration = tail.find(" duration_us=");
  ASSERT_NE(duration, std::string::npos) << line;
  EXPECT_TRUE(is_digits(tail.substr(0, duration))) << line;
  EXPECT_TRUE(is_digits(tail.substr(duration + 13))) << line;
  // Anonymous, unmatched, and a path a log parser could trip on: quoted.
  api_->get("/no/such%20path=\"x\"", "", {{"X-Request-Id", "trace-odd-1"}});
  lines = log_lines_with(*server_, "request_id=trace-odd-1 ");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" token=- method=GET route=- path=\"/no/such%20path=\\\"x\\\"\" "
                          "status=404 "),
            std::string::npos)
      << lines[0];
}

TEST_F(ObservabilityTest, JsonLogsMakeEveryLineAJsonObject) {
  start({"--access-log", "json"});
  auto created = api_->post_form("/api/scope/create", {{"name", {unique_name("json-log")}}}, token_,
                                 {{"X-Request-Id", "trace-json-1"}});
  ASSERT_EQ(created.status, 302);
  auto lines = log_lines_with(*server_, "\"trace-json-1\"");
  ASSERT_EQ(lines.size(), 1u) << server_->log();
  auto entry = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(entry["type"], "access");
  EXPECT_EQ(entry["request_id"], "trace-json-1");
  EXPECT_EQ(entry["token"], "ops-bot");
  EXPECT_EQ(entry["method"], "POST");
  EXPECT_EQ(entry["route"], "/api/scope/create");
  EXPECT_EQ(entry["status"], 302);
  EXPECT_GT(entry["bytes"].get<long long>(), 0);
  EXPECT_GE(entry["duration_us"].get<long long>(), 0);
  // A request refused unread (raw bytes in its target) is logged under the
  // id its answer carries, and the line is still valid JSON.
  auto refused = api_->raw("GET /x\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(refused.status, 400);
  lines = log_lines_with(*server_, "\"" + refused.header_or_empty("X-Request-Id") + "\"");
  ASSERT_EQ(lines.size(), 1u) << server_->log();
  auto unread = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(unread["status"], 400);
  EXPECT_EQ(unread["route"], "-");
  // Every line the server wrote, its own messages included, is JSON.
  std::istringstream log(server_->log());
  int lines_seen = 0;
  for (std::string line; std::getline(log, line); ++lines_seen) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(parsed.is_object() && parsed.contains("time") && parsed.contains("level")) << line;
  }
  EXPECT_GT(lines_seen, 3);
}

TEST_F(ObservabilityTest, AccessLogOffWritesNoAccessLine) {
  start({"--access-log", "off"});
  api_->get("/health/live", "", {{"X-Request-Id", "trace-off-1"}});
  api_->get("/health/live", "", {{"X-Request-Id", "trace-off-2"}});
  EXPECT_TRUE(log_lines_with(*server_, "trace-off-").empty()) << server_->log();
}

TEST_F(ObservabilityTest, MetricsCountExactlyTheRequestsSentAndPassPromtool) {
  start();
  long long id = new_incident_id();
  const std::string path = "/api/incident/" + std::to_string(id);
  auto before = samples_of(api_->get("/metrics").body);
  const std::string gets =
      "incident_api_http_requests_total{route=\"/api/incident/:id\",method=\"GET\",status=\"200\"}";
  const std::string missing =
      "incident_api_http_requests_total{route=\"/api/incident/:id\",method=\"GET\",status=\"404\"}";
  const std::string comments =
      "incident_api_http_requests_total{route=\"/api/incident/:id/comment\",method=\"POST\","
      "status=\"302\"}";
  const std::string refused =
      "incident_api_http_requests_total{route=\"/api/incident/:id/comment\",method=\"POST\","
      "status=\"400\"}";
  const std::string unmatched =
      "incident_api_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}";
  for (int i = 0; i < 7; ++i) ASSERT_EQ(api_->get(path, token_).status, 200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(api_->get("/api/incident/987654321").status, 404);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(
        api_->post_form(path + "/comment", {{"comment", {"seen " + std::to_string(i)}}}, token_)
            .status,
        302);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(api_->post_form(path + "/comment", {{"comment", {""}}}, token_).status, 400);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(api_->get("/no/such/path").status, 404);
  ASSERT_EQ(api_->get("/api/incident?per_page=5").status, 200);

  std::string text = api_->get("/metrics").body;
  auto after = samples_of(text);
  auto delta = [&](const std::string& key) {
    return sample(after, key) - std::max(0.0, sample(before, key));
  };
  EXPECT_EQ(delta(gets), 7);
  EXPECT_EQ(delta(missing), 3);
  EXPECT_EQ(delta(comments), 4);
  EXPECT_EQ(delta(refused), 2);
  EXPECT_EQ(delta(unmatched), 5);
  EXPECT_EQ(delta("incident_api_http_request_duration_seconds_count{route=\"/api/incident/:id\"}"),
            10);
  // Each GET of a cached incident is a hit; each comment went to Redis.
  EXPECT_GE(delta("incident_api_incident_cache_hits_total"), 7);
  EXPECT_GE(delta("incident_api_commit_group_writes_count"), 4);
  EXPECT_GT(sample(after, "incident_api_redis_commands_total{connection=\"primary\"}"), 0);
  EXPECT_GT(sample(after, "incident_api_redis_round_trips_total{connection=\"reads\"}"), 0);
  EXPECT_GE(sample(after, "incident_api_change_feed_entries_total"),
            1);  // the follower reads on its own time
  EXPECT_GT(sample(after, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(sample(after, "process_open_fds"), 5);
  EXPECT_EQ(sample(after, "incident_api_build_info{version=\"0.1.0\"}"), 1);
  EXPECT_EQ(api_->get("/metrics").header_or_empty("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  auto [status, output] = promtool_check(text);
  EXPECT_EQ(status, 0) << output;
}

TEST_F(ObservabilityTest, MetricsOnTheirOwnPortLeaveTheApiPort) {
  int metrics_port = free_port();
  start({"--metrics-port", std::to_string(metrics_port)});
  ApiClient metrics(HttpClient("127.0.0.1", metrics_port));
  EXPECT_EQ(api_->get("/metrics").status, 404);
  auto scraped = metrics.get("/metrics");
  EXPECT_EQ(scraped.status, 200);
  EXPECT_NE(scraped.body.find("incident_api_build_info"), std::string::npos);
  EXPECT_EQ(metrics.get("/health/live").status, 200);
  EXPECT_EQ(metrics.get("/health/ready").status, 200);
  EXPECT_EQ(metrics.get("/api/incident").status, 404);
  EXPECT_EQ(metrics.post_form("/api/token/create", {{"secret", {kSecret}}}).status, 404);
  EXPECT_EQ(api_->get("/health/live").status, 200);
}

TEST_F(ObservabilityTest, MetricsOffAreNotServed) {
  start({"--metrics=off"});
  auto scraped = api_->get("/metrics");
  EXPECT_EQ(scraped.status, 404);
  EXPECT_EQ(scraped.json()["message"], "Not found");
}

TEST_F(ObservabilityTest, ReadyFailsWhileRedisIsFrozenLiveDoesNot) {
  start({"--redis-timeout-ms", "500"});
  EXPECT_EQ(api_->get("/health/ready").status, 200);
  auto redis = children_of(server_->pid(), "redis");
  ASSERT_EQ(redis.size(), 1u);
  ::kill(redis[0], SIGSTOP);
  auto ready = api_->get("/health/ready");
  auto live = api_->get("/health/live");
  ::kill(redis[0], SIGCONT);
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json()["status"], "unavailable");
  EXPECT_EQ(live.status, 200);
}

TEST_F(ObservabilityTest, ReadyFailsWhileDrainingLiveDoesNot) {
  // A read stuck on a frozen Redis keeps the server draining after SIGTERM.
  start({"--redis-timeout-ms", "4000"});
  auto redis = children_of(server_->pid(), "redis");
  ASSERT_EQ(redis.size(), 1u);
  ::kill(redis[0], SIGSTOP);
  std::thread stuck([&] { api_->get("/api/incident/424242"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_->signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto ready = api_->get("/health/ready");
  auto live = api_->get("/health/live");
  auto refused = api_->get("/api/incident");
  ::kill(redis[0], SIGCONT);
  stuck.join();
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json()["status"], "draining");
  EXPECT_EQ(ready.header_or_empty("Retry-After"), "1");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(server_->wait_for_exit(std::chrono::seconds(10)), 0);
}

TEST_F(ObservabilityTest, ARequestTimedOutIsLoggedAndCounted) {
  start({"--request-timeout-seconds", "1"});
  auto timed_out = api_->raw("GET /api/incident HTTP/1.1\r\nHost: a\r\n");  // never ends
  ASSERT_EQ(timed_out.status, 408);
  auto id = timed_out.header_or_empty("X-Request-Id");
  ASSERT_TRUE(is_made_id(id)) << id;
  auto lines = log_lines_with(*server_, "request_id=" + id + " ");
  ASSERT_EQ(lines.size(), 1u) << server_->log();
  EXPECT_NE(lines[0].find(" status=408 "), std::string::npos) << lines[0];
  auto samples = samples_of(api_->get("/metrics").body);
  EXPECT_EQ(sample(samples,
                   "incident_api_http_requests_total{route=\"unmatched\",method=\"OTHER\","
                   "status=\"408\"}"),
            1);
}

TEST_F(ObservabilityTest, LogLevelWarnKeepsWarningsAndTheAccessLogOnly) {
  start({"--log-level", "warn"});
  api_->get("/health/live", "", {{"X-Request-Id", "trace-warn-1"}});
  EXPECT_EQ(log_lines_with(*server_, "trace-warn-1").size(), 1u);
  EXPECT_EQ(server_->log().find(" INFO "), std::string::npos) << server_->log();
}

TEST(ObservabilitySettingsTest, BadObservabilityOptionsAreRefusedAtStartupNamingTheOption) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"--access-log", "xml"}, "--access-log"},
      {{"--log-level", "loud"}, "--log-level"},
      {{"--metrics-port", "70000"}, "--metrics-port"},
      {{"--metrics=off", "--metrics-port", "9999"}, "--metrics-port"},
  };
  for (const auto& [args, named] : refused) {
    ServerProcess server(options_with(args));
    EXPECT_FALSE(server.start());
    EXPECT_EQ(server.last_exit_code(), 2) << named;
    EXPECT_NE(server.log().find(named), std::string::npos) << server.log();
  }
}

}  // namespace
}  // namespace e2e
