// End-to-end: admission control. A flood of writes while Redis stalls, and a
// client that pipelines without reading, are answered 503 with Retry-After at
// the door once the server's bounds are reached, instead of queueing while
// resident memory grows; everything admitted is kept, nothing refused is.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "socket_io.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct BoundedServer {
  explicit BoundedServer(std::vector<std::pair<std::string, std::string>> env) {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = "admission-secret";
    env.emplace_back("ASAN_OPTIONS", small_asan_quarantine());
    options.env = std::move(env);
    server = std::make_unique<ServerProcess>(options);
    if (!server->start()) return;
    api = std::make_unique<ApiClient>(server->client());
    token = issue_token(*api, TokenRequest(options.secret));
    incident =
        id_of(create_incident(*api, token,
                              incident_fields(id_of(create_catalog(*api, token, "scope")),
                                              id_of(create_catalog(*api, token, "service")))));
  }
  std::string comment_request(const std::string& text) const {
    std::string body = "comment=" + text;
    return "POST " + incident_path(incident) +
           "/comment HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + token +
           "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::string get_request() const {
    return "GET " + incident_path(incident) + " HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " +
           token + "\r\n\r\n";
  }
  std::unique_ptr<ServerProcess> server;
  std::unique_ptr<ApiClient> api;
  std::string token;
  long long incident = 0;
};

/// The highest resident memory of `pid` seen until stopped, sampled often.
class PeakMemory {
 public:
  explicit PeakMemory(pid_t pid)
      : thread_([this, pid] {
          while (!stop_) {
            long now = resident_kib(pid);
            if (now > peak_) peak_ = now;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~PeakMemory() { finish(); }
  long finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return peak_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<long> peak_{0};
  std::thread thread_;
};

bool is_busy_refusal(const Response& response) {
  return response.status == 503 && response.header_or_empty("Retry-After") == "1" &&
         response.json().value("message", "") == "Server busy" &&
         names_field(response.json(), "request");
}

TEST(AdmissionTest, AWriteFloodWhileRedisStallsIsRefusedAtTheDoorWithinAMemoryBound) {
  // Redis answers within 10 s, so a 4 s stall fails nothing: the writes
  // admitted wait for it, and only admission decides what is refused.
  BoundedServer own({{"PM_REDIS_TIMEOUT_MS", "10000"}, {"PM_MAX_PENDING_MB", "16"}});
  ASSERT_GT(own.incident, 0) << own.server->failure();
  ServerProcess& server = *own.server;
  auto redis = server.redis_in_data_dir();
  ASSERT_EQ(redis.size(), 1u);

  constexpr int kClients = 60;
  constexpr int kWritesEach = 100;
  const std::string request = own.comment_request(std::string(60000, 'f'));  // 360 MB offered
  long before = resident_kib(server.pid());
  PeakMemory peak(server.pid());
  ASSERT_EQ(::kill(redis[0], SIGSTOP), 0);
  auto stalled_at = Clock::now();
  std::atomic<bool> resumed{false};
  std::mutex mutex;
  std::vector<Response> answers;
  int refused_during_stall = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&] {
      int fd = connect_to("127.0.0.1", server.port(), 30);
      if (fd < 0) return;
      std::thread writer([&, fd] {
        for (int n = 0; n < kWritesEach; ++n)
          if (!write_all(fd, request)) return;
      });
      ResponseReader reader(fd);
      for (int n = 0; n < kWritesEach; ++n) {
        Response answer = reader.next();
        std::lock_guard<std::mutex> lock(mutex);
        if (!resumed && is_busy_refusal(answer)) ++refused_during_stall;
        answers.push_back(std::move(answer));
        if (answers.back().status == 0) break;
      }
      writer.join();
      ::close(fd);
    });
  // While the stall lasts and the budget is spent, a new client is still
  // answered at once.
  std::this_thread::sleep_until(stalled_at + std::chrono::seconds(3));
  Response probe;
  auto probe_started = Clock::now();
  {
    int fd = connect_to("127.0.0.1", server.port(), 30);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(write_all(fd, request));
    probe = ResponseReader(fd).next();
    ::close(fd);
  }
  auto probe_took = Clock::now() - probe_started;
  std::this_thread::sleep_until(stalled_at + std::chrono::seconds(4));
  resumed = true;
  ::kill(redis[0], SIGCONT);
  for (auto& client : clients) client.join();
  long highest = peak.finish();

  int kept = 0, refused = 0;
  std::vector<std::string> others;
  for (const auto& answer : answers) {
    if (answer.status == 302) {
      ++kept;
    } else if (is_busy_refusal(answer)) {
      ++refused;
    } else {
      others.push_back(answer.describe().substr(0, 300));
    }
  }
  std::cout << kept << " kept, " << refused << " refused (" << refused_during_stall
            << " during the stall); resident memory " << before << " KiB, at most " << highest
            << " KiB\n";
  EXPECT_EQ(answers.size(), static_cast<std::size_t>(kClients * kWritesEach));
  EXPECT_TRUE(others.empty()) << others.size() << " other answers, first: " << others.front();
  EXPECT_GT(kept, 0);
  EXPECT_GT(refused, 0);
  EXPECT_TRUE(is_busy_refusal(probe)) << probe.describe().substr(0, 300);
  EXPECT_LT(probe_took, std::chrono::seconds(1)) << "a client was kept waiting by the stall";
  // 360 MB offered; 16 MiB of bodies admitted at a time, each held in a few
  // copies (request, form, incident event and its JSON) and committed in
  // chains, beside the incident's growing history.
  EXPECT_LT(highest - before, 192 * 1024)
      << "resident memory rose from " << before << " to " << highest << " KiB";
  // Every write answered 302 was kept, and none refused.
  EXPECT_EQ(fetch_incident(*own.api, own.incident, own.token)["version"], 1 + kept)
      << kept << " kept, " << refused << " refused";
  EXPECT_EQ(own.api->get("/health").status, 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(AdmissionTest, AClientPipeliningWithoutReadingGets503sOnceItsAnswersPileUp) {
  BoundedServer own({});
  ASSERT_GT(own.incident, 0) << own.server->failure();
  ServerProcess& server = *own.server;
  for (int i = 0; i < 16; ++i)  // a history of about a megabyte, read whole by every GET
    ASSERT_EQ(own.api
                  ->post_form(incident_path(own.incident) + "/comment",
                              {{"comment", std::string(60000, 'a' + i)}}, own.token)
                  .status,
              302);

  // A small receive buffer, set before connecting so that the window is
  // small from the start: the kernel holds little of what the client leaves unread.
  int fd = connect_to("127.0.0.1", server.port(), 30, 65536);
  ASSERT_GE(fd, 0);
  constexpr int kEarly = 12, kLate = 12;
  std::string early, late;
  for (int i = 0; i < kEarly; ++i) early += own.get_request();
  for (int i = 0; i < kLate; ++i) late += own.get_request();
  ASSERT_TRUE(write_all(fd, early));
  // The early answers fill the socket buffers and pile up in the server.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(write_all(fd, late));
  ResponseReader reader(fd);
  int served = 0, refused = 0, early_served = 0;
  for (int i = 0; i < kEarly + kLate; ++i) {
    Response answer = reader.next();
    ASSERT_NE(answer.status, 0) << "the connection ended after " << i << " answers";
    if (answer.status == 200) {
      EXPECT_EQ(refused, 0) << "answer " << i << " served after a refusal: nothing was read since";
      ++served;
      if (i < kEarly) ++early_served;
      EXPECT_EQ(answer.json()["events"].size(), 17u);
    } else {
      EXPECT_TRUE(is_busy_refusal(answer)) << answer.describe().substr(0, 300);
      EXPECT_NE(answer.json()["reasons"]["request"][0].get<std::string>().find("unread"),
                std::string::npos);
      ++refused;
    }
  }
  ::close(fd);
  // A GET of a cached incident is answered as soon as it is parsed, so the
  // early requests too may arrive behind the answers of those before them:
  // those behind less than 4 MiB unread (the first four at least) are served.
  EXPECT_GE(early_served, 4) << "the first requests, behind less than 4 MiB unread, are served";
  EXPECT_EQ(served, early_served) << "no late request is served";
  EXPECT_EQ(refused, kEarly + kLate - served)
      << "requests arriving behind megabytes of unread answers are refused";
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace e2e
