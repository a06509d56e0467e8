// End-to-end, on raw sockets: Host is validated, never reflected as sent
// (RFC 9112, 3.2); framing that could smuggle a request is refused; HTTP/1.0
// clients get nothing they cannot read (no chunked stream, no keep-alive, no
// 100 Continue); answers follow RFC 9110 (a 204 without Content-Length, a 405
// with Allow).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "e2e_test.hpp"
#include "socket_io.hpp"

namespace e2e {
namespace {

class HttpFramingTest : public E2eTest {
 protected:
  static Response raw(const std::string& bytes) { return api().http().with_timeout(5).raw(bytes); }

  /// What the server sends within `wait_ms` to `bytes` on a fresh connection,
  /// and whether it then closed the connection.
  struct Sent {
    std::string bytes;
    bool closed = false;
  };
  static Sent read_for(const std::string& bytes, int wait_ms) {
    Sent sent;
    int fd = connect_to("127.0.0.1", api().http().port(), 5);
    if (fd < 0) return sent;
    write_all(fd, bytes);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd ready{fd, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      char buffer[4096];
      ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) {
        sent.closed = true;
        break;
      }
      sent.bytes.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return sent;
  }

  static std::string create_request(const std::string& host_lines) {
    std::string body = "scope=" + std::to_string(scope_id()) +
                       "&service=" + std::to_string(service_id()) + "&name=Host+check&severity=low";
    return "POST /api/incident/create HTTP/1.1\r\n" + host_lines + "Authorization: Bearer " +
           admin_token() +
           "\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }
};

TEST_F(HttpFramingTest, AHostThatIsNotHostAndPortIsRefusedNeverReflected) {
  for (const char* host :
       {"evil.example/x?", "a\"b<script>", "user@evil.example", "h:123456", "[::1", ""}) {
    Response response = raw(create_request(std::string("Host: ") + host + "\r\n"));
    EXPECT_EQ(response.status, 400) << host << ": " << response.describe();
    EXPECT_TRUE(names_field(response.json(), "host")) << response.body;
    EXPECT_FALSE(response.header("Location")) << host;
  }
}

TEST_F(HttpFramingTest, TwoHostHeadersOrNoneOnHttp11AreRefused) {
  Response two = raw(create_request("Host: h1\r\nHost: h2\r\n"));
  EXPECT_EQ(two.status, 400) << two.describe();
  EXPECT_TRUE(names_field(two.json(), "host")) << two.body;
  Response none = raw(create_request(""));
  EXPECT_EQ(none.status, 400) << none.describe();
  EXPECT_TRUE(names_field(none.json(), "host")) << none.body;
}

TEST_F(HttpFramingTest, AValidHostBuildsTheLocation) {
  Response response = raw(create_request("Host: api.example.org:8443\r\n"));
  ASSERT_EQ(response.status, 302) << response.describe();
  EXPECT_EQ(
      response.header_or_empty("Location").rfind("http://api.example.org:8443/api/incident/", 0),
      0u)
      << response.header_or_empty("Location");
}

TEST_F(HttpFramingTest, TransferEncodingOnTwoLinesIsRefused) {
  Response response =
      raw("POST /api/incident/create HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(names_field(response.json(), "transfer-encoding")) << response.body;
}

TEST_F(HttpFramingTest, TransferEncodingOnHttp10IsFaultyFramingAndClosesTheConnection) {
  Sent sent = read_for(
      "POST /api/incident/create HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: h\r\n\r\n",
      2000);
  EXPECT_EQ(sent.bytes.rfind("HTTP/1.1 400 ", 0), 0u) << sent.bytes;
  EXPECT_NE(sent.bytes.find("transfer-encoding"), std::string::npos) << sent.bytes;
  EXPECT_EQ(sent.bytes.find("HTTP/1.1 200"), std::string::npos) << "the smuggled request ran";
  EXPECT_TRUE(sent.closed);
}

TEST_F(HttpFramingTest, AnHttp10ClientGetsAPlainStreamThatEndsWithTheConnection) {
  Sent sent = read_for("GET /api/incident/stream HTTP/1.0\r\n\r\n", 800);
  auto head_end = sent.bytes.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << sent.bytes;
  std::string head = sent.bytes.substr(0, head_end);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK", 0), 0u) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("keep-alive"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  // The first heartbeat comes as it is, not as a chunk.
  EXPECT_EQ(sent.bytes.substr(head_end + 4, 13), ": heartbeat\n\n") << sent.bytes;
}

TEST_F(HttpFramingTest, AStreamAskedToCloseSaysSoAndReadsNothingAfter) {
  Sent sent = read_for(
      "GET /api/incident/stream HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: h\r\n\r\n",
      800);
  auto head_end = sent.bytes.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << sent.bytes;
  std::string head = sent.bytes.substr(0, head_end);
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_EQ(sent.bytes.find("HTTP/1.1 200 OK", 10), std::string::npos) << "answered after close";
}

TEST_F(HttpFramingTest, AnHttp10ClientIsNeverSentContinue) {
  std::string body = "secret=x&name=n";
  Sent sent = read_for(
      "POST /api/token/create HTTP/1.0\r\nExpect: 100-continue\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n",
      500);
  EXPECT_EQ(sent.bytes.find("100 Continue"), std::string::npos) << sent.bytes;
}

TEST_F(HttpFramingTest, ADeletionAnsweredWithNoContentHasNoLength) {
  long long id = new_incident()["id"].get<long long>();
  Response response =
      api().post_form(incident_path(id) + "/delete", {}, admin_token(), kPreferRepresentation);
  ASSERT_EQ(response.status, 204) << response.describe();
  EXPECT_FALSE(response.header("Content-Length")) << "RFC 9110, 8.6";
}

TEST_F(HttpFramingTest, HeadOfTheEventStreamIs405WithAllow) {
  Response response = api().send("HEAD", "/api/incident/stream", {});
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header_or_empty("Allow"), "GET");
}

}  // namespace
}  // namespace e2e
