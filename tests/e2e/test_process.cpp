// End-to-end: the server as a process: it starts with one command (its own
// Redis included), stops cleanly on SIGTERM, keeps its data, refuses "changeit".
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;

ServerOptions options_with(const std::string& secret) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = secret;
  return options;
}

TEST(ProcessTest, TheServerStartsWithOneCommandAndAnswersHealth) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  Response response = server.client().request("GET", "/health");
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.json(), json({{"status", "ok"}}));
}

TEST(ProcessTest, SigtermStopsTheServerWithExitCodeZero) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(ProcessTest, SigtermAlsoStopsTheRedisServerItStarted) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  std::vector<pid_t> redis = children_of(server.pid(), "redis");
  ASSERT_FALSE(redis.empty()) << "no redis-server child of the server";
  // -1 would mean the harness had to kill the server (and so its Redis) itself.
  ASSERT_NE(server.stop(), -1) << "the server did not exit within 10 s of SIGTERM\n"
                               << server.log();
  EXPECT_FALSE(alive_as(redis[0], "redis"))
      << "redis-server " << redis[0] << " outlived the server";
}

/// A token, then a scope, a service and one incident in them; the incident.
json first_incident(const ApiClient& api, std::string& token) {
  token = issue_token(api, TokenRequest("process-secret"));
  long long scope = id_of(create_catalog(api, token, "scope"));
  long long service = id_of(create_catalog(api, token, "service"));
  return create_incident(api, token, incident_fields(scope, service));
}

TEST(ProcessTest, IncidentsSurviveARestartOnTheSameDataDir) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  std::string token;
  json incident = first_incident(ApiClient(server.client()), token);
  ASSERT_TRUE(incident.is_object());
  EXPECT_EQ(server.stop(), 0);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient restarted(server.client());
  json after = fetch_incident(restarted, incident["id"], token);
  EXPECT_EQ(after.value("name", ""), incident["name"]);
  EXPECT_EQ(after.value("version", 0), 1);
}

TEST(ProcessTest, AnEmbeddedRedisThatDiesIsRestartedAndKeepsItsData) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  std::string token;
  json incident = first_incident(api, token);
  // The append-only file is fsynced every second: let it reach the disk.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::vector<pid_t> redis = children_of(server.pid(), "redis");
  ASSERT_EQ(redis.size(), 1u);
  ::kill(redis[0], SIGKILL);
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = api.get("/health").status;
  }
  ASSERT_EQ(status, 200) << "no Redis again within 10 s\n" << server.log();
  std::vector<pid_t> restarted = children_of(server.pid(), "redis");
  ASSERT_EQ(restarted.size(), 1u);
  EXPECT_NE(restarted[0], redis[0]);
  EXPECT_NE(server.log().find("restarting it"), std::string::npos) << server.log();
  json after = fetch_incident(api, incident["id"], token);
  EXPECT_EQ(after.value("name", ""), incident["name"]);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

/// What redis-server says its appendfsync policy is (via redis-cli on its socket).
std::string appendfsync_of(const std::string& data_dir) {
  std::string command = "redis-cli -s " + data_dir + "/redis.sock CONFIG GET appendfsync";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "";
  char buffer[256];
  std::string output;
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  ::pclose(pipe);
  return output;
}

TEST(ProcessTest, TheFsyncOptionReachesTheEmbeddedRedis) {
  ServerOptions options = options_with("process-secret");
  options.extra_args = {"--fsync", "always"};
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  EXPECT_EQ(appendfsync_of(server.data_dir()), "appendfsync\nalways\n");
  EXPECT_EQ(server.stop(), 0);
}

TEST(ProcessTest, TheDefaultFsyncIsEverySecond) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  EXPECT_EQ(appendfsync_of(server.data_dir()), "appendfsync\neverysec\n");
}

TEST(ProcessTest, AnUnknownFsyncModeIsRefusedAtStartup) {
  ServerOptions options = options_with("process-secret");
  options.extra_args = {"--fsync", "sometimes"};
  ServerProcess server(options);
  EXPECT_FALSE(server.start());
}

TEST(ProcessTest, APendingBudgetSmallerThanOneBodyIsRefusedAtStartup) {
  ServerOptions options = options_with("process-secret");
  options.extra_args = {"--max-pending-mb", "1", "--max-body-bytes", "2097152"};
  ServerProcess server(options);
  EXPECT_FALSE(server.start());
  EXPECT_EQ(server.last_exit_code(), 2);
  EXPECT_NE(server.log().find("--max-pending-mb"), std::string::npos) << server.log();
}

TEST(ProcessTest, TheDefaultSecretChangeitIsRefused) {
  ServerProcess server(options_with("changeit"));
  EXPECT_FALSE(server.start()) << "the server accepted PM_SECRET_KEY=changeit";
  EXPECT_NE(server.last_exit_code(), 0) << server.failure();
}

TEST(ProcessTest, TheDefaultSecretRunsWhenExplicitlyAllowedWithAWarning) {
  ServerOptions options = options_with("changeit");
  options.extra_args.push_back("--allow-default-secret");
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  EXPECT_NE(server.log().find("changeit"), std::string::npos) << server.log();
}

TEST(ProcessTest, TheIssuerComesFromPmJwtIssuer) {
  ServerOptions options = options_with("process-secret");
  options.env.emplace_back("PM_JWT_ISSUER", "Acme Ops");
  ServerProcess server(options);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  std::string token = issue_token(api, TokenRequest("process-secret"));
  Response whoami = api.get("/api/token/whoami", token);
  EXPECT_EQ(whoami.json()["playload"]["iss"], "Acme Ops") << whoami.describe();
}

TEST(ProcessTest, HelpListsTheFlagsAndExitsZero) {
  std::string command = "'" + incident_api_binary() + "' --help 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  for (const char* flag : {"--port", "--bind", "--data-dir"})
    EXPECT_NE(output.find(flag), std::string::npos) << flag << " not in:\n" << output;
}

}  // namespace
}  // namespace e2e
