// End-to-end: when its Redis goes away the server answers 503 JSON quickly
// (never hangs, never crashes) and recovers by itself when Redis returns.
#include <gtest/gtest.h>
#include <hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "fixtures.hpp"
#include "server_process.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

/// A redis-server on a unix socket in a private directory, started and
/// stopped at will (its data does not survive a stop: persistence is off).
class ExternalRedis {
 public:
  ExternalRedis() {
    char pattern[] = "/tmp/incident-outage-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~ExternalRedis() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  std::string socket() const { return dir_ + "/redis.sock"; }
  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", socket().c_str(),
               "--save", "", "--appendonly", "no", "--dir", dir_.c_str(), "--logfile",
               (dir_ + "/redis.log").c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(socket()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  /// Freezes Redis (SIGSTOP) and lets it go on (SIGCONT): connections and
  /// commands are accepted meanwhile, and run once it goes on.
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    std::filesystem::remove(socket());
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

using Clock = std::chrono::steady_clock;
using nlohmann::json;

/// One command to the Redis at `socket`; its reply as text ("" when none).
std::string redis_command(const std::string& socket, const std::vector<std::string>& args) {
  redisContext* context = redisConnectUnix(socket.c_str());
  if (context == nullptr || context->err) {
    if (context) redisFree(context);
    return "";
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  std::string text;
  if (reply && reply->str) text.assign(reply->str, reply->len);
  if (reply && reply->type == REDIS_REPLY_INTEGER) text = std::to_string(reply->integer);
  if (reply) freeReplyObject(reply);
  redisFree(context);
  return text;
}

ServerOptions options_on(const ExternalRedis& redis, const std::string& secret) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = secret;
  options.env.emplace_back("PM_REDIS_URI", "unix://" + redis.socket());
  return options;
}

TEST(RedisOutageTest, RequestsGet503QuicklyWhileRedisIsDownAndSucceedOnceItIsBack) {
  ExternalRedis redis;
  redis.start();
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = "outage-secret";
  options.env.emplace_back("PM_REDIS_URI", "unix://" + redis.socket());
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  std::string token = issue_token(api, TokenRequest("outage-secret"));
  ASSERT_FALSE(create_catalog(api, token, "scope").is_discarded());

  redis.stop();
  for (const char* path : {"/api/scope/1", "/api/incident?per_page=5", "/health"}) {
    auto started = Clock::now();
    Response response = api.get(path, token);
    auto waited = Clock::now() - started;
    EXPECT_EQ(response.status, 503) << path << ": " << response.describe();
    EXPECT_TRUE(response.is_json()) << response.describe();
    EXPECT_LT(waited, std::chrono::seconds(3)) << path << " was not answered promptly";
  }
  Response write = api.post_form("/api/scope/create", {{"name", "during outage"}}, token);
  EXPECT_EQ(write.status, 503) << write.describe();

  redis.start();  // an empty Redis: the server must reconnect by itself
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = api.get("/health").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << "the server did not recover within 10 s";
  Response created = api.post_form("/api/scope/create", {{"name", "after outage"}}, token);
  EXPECT_EQ(created.status, 302) << created.describe();
  EXPECT_EQ(server.stop(), 0) << server.log();
}

/// A server of the test's own on `redis`, with a token, a scope and a service.
struct OnRedis {
  OnRedis(const ExternalRedis& redis, const std::string& secret)
      : server(std::make_unique<ServerProcess>(options_on(redis, secret))) {
    if (!server->start()) return;
    api = std::make_unique<ApiClient>(server->client());
    token = issue_token(*api, TokenRequest(secret));
    scope = id_of(create_catalog(*api, token, "scope"));
    service = id_of(create_catalog(*api, token, "service"));
  }
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<ApiClient> api;
  std::string token;
  long long scope = 0, service = 0;
};

/// Polls /health until it answers 200 (at most 10 s).
bool wait_healthy(const ApiClient& api) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (api.get("/health").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(RedisOutageTest, ARedisThatComesBackEmptyNeitherReusesIdsNorServesOldIncidents) {
  ExternalRedis redis;
  redis.start();
  OnRedis world(redis, "reset-secret");
  ASSERT_GT(world.service, 0) << world.server->failure();
  ServerProcess& server = *world.server;
  ApiClient& api = *world.api;
  const std::string& token = world.token;
  long long old_scope = world.scope, old_service = world.service;
  json old = create_incident(
      api, token, merged(incident_fields(old_scope, old_service), {{"name", "Old data set"}}));
  long long old_id = id_of(old);
  ASSERT_GT(old_id, 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(api.post_form(incident_path(old_id) + "/comment", {{"comment", "c"}}, token).status,
              302);
  ASSERT_EQ(fetch_incident(api, old_id, token)["version"], 4);  // cached now

  redis.stop();
  redis.start();  // no persistence: an empty data set at the same address
  ASSERT_TRUE(wait_healthy(api)) << server.log();

  Response gone = api.get(incident_path(old_id), token);
  EXPECT_EQ(gone.status, 404) << "an incident of the lost data set is served: " << gone.describe();
  long long new_scope = id_of(create_catalog(api, token, "scope"));
  long long new_service = id_of(create_catalog(api, token, "service"));
  EXPECT_GT(new_scope, old_scope) << "a scope id was handed out twice";
  EXPECT_GT(new_service, old_service) << "a service id was handed out twice";
  json fresh = create_incident(api, token, incident_fields(new_scope, new_service));
  EXPECT_GT(id_of(fresh), old_id) << "an incident id was handed out twice";
  EXPECT_EQ(fresh["version"], 1);
  Response list = api.get("/api/incident", token);
  ASSERT_EQ(list.status, 200) << list.describe();
  ASSERT_EQ(list.json()["items"].size(), 1u) << list.body;
  EXPECT_EQ(list.json()["items"][0]["id"], id_of(fresh));
  EXPECT_NE(server.log().find("the data set is empty"), std::string::npos) << server.log();
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(RedisOutageTest, AFullRedisIsSaidPlainlyWithoutScriptDetails) {
  ExternalRedis redis;
  redis.start();
  OnRedis world(redis, "full-secret");
  ASSERT_GT(world.service, 0) << world.server->failure();
  ServerProcess& server = *world.server;
  ApiClient& api = *world.api;
  const std::string& token = world.token;
  long long scope = world.scope, service = world.service;
  long long id = id_of(create_incident(api, token, incident_fields(scope, service)));
  ASSERT_GT(id, 0);

  ASSERT_EQ(redis_command(redis.socket(), {"CONFIG", "SET", "maxmemory-policy", "noeviction"}),
            "OK");
  ASSERT_EQ(redis_command(redis.socket(), {"CONFIG", "SET", "maxmemory", "1"}), "OK");
  Response refused = api.post_form(incident_path(id) + "/comment", {{"comment", "no room"}}, token);
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_EQ(refused.json()["message"], "Storage full, retry later") << refused.body;
  for (const char* detail : {"OOM", "script", "f_", "unreadable", "@user"})
    EXPECT_EQ(refused.body.find(detail), std::string::npos) << detail << " in " << refused.body;
  // The log is written by its own thread: give it a moment.
  auto logged = [&] { return server.log().find("OOM") != std::string::npos; };
  for (int i = 0; i < 60 && !logged(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(logged()) << "the detail belongs in the log";

  ASSERT_EQ(redis_command(redis.socket(), {"CONFIG", "SET", "maxmemory", "0"}), "OK");
  Response accepted = api.post_form(incident_path(id) + "/comment", {{"comment", "room"}}, token);
  EXPECT_EQ(accepted.status, 302) << accepted.describe();
  EXPECT_EQ(fetch_incident(api, id, token)["version"], 2) << "the refused comment left no trace";
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(RedisOutageTest, AWriteWhoseAnswerWasLostLeavesNoProcessServingAStaleIncident) {
  ExternalRedis redis;
  redis.start();
  // Answers are given up on after 250 ms; Redis pauses for longer mid-load, so
  // a comment in flight then is answered 503 but lands once Redis goes on.
  auto options = [&] {
    ServerOptions each = options_on(redis, "lost-answer-secret");
    each.env.emplace_back("PM_REDIS_TIMEOUT_MS", "250");
    return each;
  };
  ServerProcess writer(options()), other(options());
  ASSERT_TRUE(writer.start()) << writer.failure();
  ASSERT_TRUE(other.start()) << other.failure();
  ApiClient via_writer(writer.client()), via_other(other.client());
  std::string token = issue_token(via_writer, TokenRequest("lost-answer-secret"));
  long long id =
      id_of(create_incident(via_writer, token,
                            incident_fields(id_of(create_catalog(via_writer, token, "scope")),
                                            id_of(create_catalog(via_writer, token, "service")))));
  ASSERT_GT(id, 0);
  ASSERT_EQ(fetch_incident(via_writer, id, token)["version"], 1);  // cached in both
  ASSERT_EQ(fetch_incident(via_other, id, token)["version"], 1);

  // One writer, which stops while Redis is paused: the write whose answer was
  // lost is the last, so no later write's version conflict reveals it. A
  // round where no commit happened to be in flight is tried again.
  int kept = 0, unknown = 0, refused = 0;
  for (int round = 0; round < 6 && unknown == 0; ++round) {
    std::atomic<bool> writing{true};
    std::thread load([&] {
      ApiClient client(writer.client());
      for (int n = 0; writing; ++n) {
        Response answer =
            client.post_form(incident_path(id) + "/comment",
                             {{"comment", std::to_string(round) + "." + std::to_string(n)}}, token);
        if (answer.status == 302) {
          ++kept;
        } else if (answer.status == 503 &&
                   answer.json().value("message", "").find("may or may not") != std::string::npos) {
          ++unknown;
        } else {
          ++refused;
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    redis.pause();
    writing = false;
    load.join();  // its last request is answered once given up on
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    redis.resume();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_GT(unknown, 0) << "no write was in flight when Redis paused (" << kept << " kept, "
                        << refused << " refused)";

  // Both processes converge on what Redis holds: what was kept, and the
  // writes whose answer was lost that landed after all.
  long long seen_by_writer = 0, seen_by_other = -1;
  for (int attempt = 0; attempt < 50 && seen_by_writer != seen_by_other; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    seen_by_writer = fetch_incident(via_writer, id, token)["version"].get<long long>();
    seen_by_other = fetch_incident(via_other, id, token)["version"].get<long long>();
  }
  EXPECT_EQ(seen_by_writer, seen_by_other)
      << "the process that sent the lost write serves another version than the other";
  EXPECT_GE(seen_by_writer, 1 + kept);
  EXPECT_LE(seen_by_writer, 1 + kept + unknown);
  json incident = fetch_incident(via_writer, id, token);
  EXPECT_EQ(incident["events"].size(), static_cast<std::size_t>(seen_by_writer));
  EXPECT_EQ(writer.stop(), 0) << writer.log();
  EXPECT_EQ(other.stop(), 0) << other.log();
}

}  // namespace
}  // namespace e2e
