// End-to-end: answers bigger than the socket buffers reach clients that read
// them slowly, connection after connection. Each connection closes before the
// next opens, so the server hands the next one the same descriptor number: a
// stale "being watched for writability" record of the previous connection must
// not keep the new one from being woken when its socket drains.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "fixtures.hpp"
#include "server_process.hpp"
#include "socket_io.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "slow-readers-secret";
// A stalled answer is cut after this idle time, well before the test's own bounds.
constexpr int kIdleTimeoutSeconds = 3;
constexpr std::size_t kCommentBytes = 60000;
constexpr int kComments = 80;  // about 4.8 MB of history

ServerOptions slow_reader_options() {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = kSecret;
  options.extra_args = {"--idle-timeout-seconds", std::to_string(kIdleTimeoutSeconds)};
  return options;
}

/// Sends one GET on a fresh connection with a small receive buffer, waits for
/// the server's side to back up, then reads slowly; the bytes received and
/// whether the answer ended as its Content-Length said.
struct SlowRead {
  std::size_t received = 0;
  std::size_t expected = 0;
  bool complete() const { return expected > 0 && received == expected; }
};

std::size_t content_length_of(const std::string& head) {
  auto at = head.find("Content-Length: ");
  if (at == std::string::npos) return 0;
  return std::stoul(head.substr(at + 16));
}

SlowRead read_slowly(int port, const std::string& target) {
  SlowRead result;
  int fd = connect_to("127.0.0.1", port, 10);
  if (fd < 0) return result;
  int small = 16 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  write_all(fd, "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  // The server fills both socket buffers and must wait to be woken.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::string head;
  std::size_t body = 0;
  char buffer[16 * 1024];
  for (;;) {
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;  // end, reset, or the 10 s read timeout
    if (result.expected == 0) {
      head.append(buffer, static_cast<std::size_t>(got));
      auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      result.expected = content_length_of(head);
      body = head.size() - (end + 4);
    } else {
      body += static_cast<std::size_t>(got);
    }
    result.received = body;
    if (result.expected > 0 && body >= result.expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::close(fd);
  return result;
}

TEST(SlowReadersTest, EverySuccessiveSlowReaderGetsItsWholeAnswer) {
  ServerProcess server(slow_reader_options());
  ASSERT_TRUE(server.start()) << server.failure();
  ApiClient api(server.client());
  std::string token = issue_token(api, TokenRequest(kSecret));
  ASSERT_FALSE(token.empty());
  long long scope = id_of(create_catalog(api, token, "scope"));
  long long service = id_of(create_catalog(api, token, "service"));
  long long id = id_of(create_incident(api, token, incident_fields(scope, service)));
  ASSERT_GT(id, 0);
  for (int i = 0; i < kComments; ++i) {
    std::string text(kCommentBytes, static_cast<char>('a' + i % 26));
    ASSERT_EQ(api.post_form(incident_path(id) + "/comment", {{"comment", text}}, token).status,
              302);
  }

  for (int round = 0; round < 6; ++round) {
    auto started = Clock::now();
    SlowRead read = read_slowly(server.port(), incident_path(id));
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    EXPECT_GT(read.expected, kComments * kCommentBytes);
    EXPECT_TRUE(read.complete()) << "connection " << round << " got " << read.received << " of "
                                 << read.expected << " bytes in " << seconds << " s";
  }
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace e2e
