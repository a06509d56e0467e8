// End-to-end: the server as a process: it starts with one command (its own
// Redis included), stops cleanly on SIGTERM, keeps its data, refuses "changeit".
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "fixtures.hpp"
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

std::string proc_field(pid_t pid, const std::string& file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

/// Children of pid named like `name`, from /proc.
std::vector<pid_t> children_named(pid_t parent, const std::string& name) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = proc ? ::readdir(proc) : nullptr) {
    pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::string status = proc_field(pid, "status");
    auto at = status.find("PPid:\t");
    if (at != std::string::npos && std::atoi(status.c_str() + at + 6) == parent &&
        proc_field(pid, "comm").find(name) != std::string::npos)
      found.push_back(pid);
  }
  if (proc) ::closedir(proc);
  return found;
}

/// True while pid is a live (not zombie) process still called `name`.
bool alive_as(pid_t pid, const std::string& name) {
  std::string stat = proc_field(pid, "stat");
  auto close_paren = stat.rfind(')');
  bool zombie = close_paren != std::string::npos && stat.size() > close_paren + 2 &&
                stat[close_paren + 2] == 'Z';
  return !stat.empty() && !zombie && proc_field(pid, "comm").find(name) != std::string::npos;
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
  std::vector<pid_t> redis = children_named(server.pid(), "redis");
  ASSERT_FALSE(redis.empty()) << "no redis-server child of the server";
  server.stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (alive_as(redis[0], "redis") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(alive_as(redis[0], "redis"))
      << "redis-server " << redis[0] << " outlived the server";
}

TEST(ProcessTest, IncidentsSurviveARestartOnTheSameDataDir) {
  ServerProcess server(options_with("process-secret"));
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  std::string token = issue_token(api, TokenRequest("process-secret"));
  long long scope = create_catalog(api, token, "scope").value("id", 0LL);
  long long service = create_catalog(api, token, "service").value("id", 0LL);
  json incident = create_incident(api, token, incident_fields(scope, service));
  ASSERT_TRUE(incident.is_object());
  EXPECT_EQ(server.stop(), 0);
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient restarted(server.client());
  json after = fetch_incident(restarted, incident["id"], token);
  EXPECT_EQ(after.value("name", ""), incident["name"]);
  EXPECT_EQ(after.value("version", 0), 1);
}

TEST(ProcessTest, TheDefaultSecretChangeitIsRefused) {
  ServerProcess server(options_with("changeit"));
  EXPECT_FALSE(server.start()) << "the server accepted PM_SECRET_KEY=changeit";
  EXPECT_NE(server.last_exit_code(), 0) << server.failure();
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
