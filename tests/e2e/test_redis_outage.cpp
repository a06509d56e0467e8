// End-to-end: when its Redis goes away the server answers 503 JSON quickly
// (never hangs, never crashes) and recovers by itself when Redis returns.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
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

}  // namespace
}  // namespace e2e
