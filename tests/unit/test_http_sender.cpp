// The webhook sender against a small HTTP receiver on loopback, whose answer
// each test chooses: what arrives, which statuses and errors come back, that
// a hanging endpoint delays nothing else, that waiting requests take turns by
// key, and that stopping completes all.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "webhooks/http_sender.hpp"

namespace incident::webhooks {
namespace {

using namespace std::chrono_literals;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// One request as the receiver read it.
struct Received {
  std::string request_line;          // "POST /hook HTTP/1.1"
  std::vector<std::string> headers;  // "Name: value", in the order sent
  std::string body;

  /// The value of the first header of that name (any case); "" when none.
  std::string header(const std::string& name) const {
    for (const auto& line : headers) {
      auto colon = line.find(':');
      if (lowercase(line.substr(0, colon)) != lowercase(name)) continue;
      auto value = line.find_first_not_of(' ', colon + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
    return "";
  }
};

/// An HTTP server on 127.0.0.1 and a thread of its own. It reads each request
/// whole (head, then a Content-Length body), records it, and writes `answer`;
/// with an empty answer it never answers, and holds the connection open.
class Receiver {
 public:
  explicit Receiver(std::string answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 512);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    if (::pipe2(wake_, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2";
    thread_ = std::thread([this] { run(); });
  }
  ~Receiver() {
    ::close(wake_[1]);  // the thread sees the end of the pipe and stops
    thread_.join();
    ::close(wake_[0]);
    ::close(listener_);
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::size_t connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }
  std::vector<Received> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  bool wait_for_requests(std::size_t count, std::chrono::seconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return requests_.size() >= count; });
  }

 private:
  struct Connection {
    int fd = -1;
    std::string in, out;
    bool closed = false;
  };

  void run() {
    std::vector<Connection> open;
    for (;;) {
      std::vector<pollfd> polled{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
      for (const auto& connection : open)
        polled.push_back({connection.fd,
                          static_cast<short>(POLLIN | (connection.out.empty() ? 0 : POLLOUT)), 0});
      if (::poll(polled.data(), polled.size(), -1) < 0) continue;
      if (polled[0].revents) break;
      for (std::size_t i = 0; i < open.size(); ++i) serve(open[i], polled[i + 2].revents);
      for (const auto& connection : open)
        if (connection.closed) ::close(connection.fd);
      open.erase(std::remove_if(open.begin(), open.end(), [](auto& c) { return c.closed; }),
                 open.end());
      if (polled[1].revents & POLLIN) accept_one(open);
    }
    for (const auto& connection : open) ::close(connection.fd);
  }

  void accept_one(std::vector<Connection>& open) {
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Connection connection;
    connection.fd = fd;
    open.push_back(std::move(connection));
    std::lock_guard<std::mutex> lock(mutex_);
    ++connections_;
  }

  void serve(Connection& connection, short events) {
    if (events & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[16384];
      ssize_t got = ::recv(connection.fd, buffer, sizeof buffer, 0);
      if (got <= 0) connection.closed = true;
      if (got > 0) connection.in.append(buffer, static_cast<std::size_t>(got));
      while (auto request = take_request(connection.in)) record(connection, std::move(*request));
    }
    if (!connection.out.empty() && !connection.closed) {
      ssize_t sent = ::send(connection.fd, connection.out.data(), connection.out.size(),
                            MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) connection.out.erase(0, static_cast<std::size_t>(sent));
      if (sent < 0 && errno != EAGAIN) connection.closed = true;
    }
  }

  /// Takes one whole request off the front of `in`, if it holds one.
  static std::optional<Received> take_request(std::string& in) {
    auto head_end = in.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    Received request;
    std::size_t length = 0;
    for (std::size_t at = 0; at < head_end;) {
      auto end = in.find("\r\n", at);
      std::string line = in.substr(at, end - at);
      at = end + 2;
      if (request.request_line.empty()) {
        request.request_line = line;
        continue;
      }
      request.headers.push_back(line);
    }
    if (auto value = request.header("content-length"); !value.empty()) length = std::stoul(value);
    if (in.size() < head_end + 4 + length) return std::nullopt;
    request.body = in.substr(head_end + 4, length);
    in.erase(0, head_end + 4 + length);
    return request;
  }

  void record(Connection& connection, Received request) {
    connection.out += answer_;
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(request));
    changed_.notify_all();
  }

  const std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t connections_ = 0;
  std::vector<Received> requests_;
  std::thread thread_;
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const std::string kServerError = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
const std::string kHang;

/// The results the sender hands back, in the order they came; it must outlive
/// the sender, whose destructor still completes requests.
class Outcomes {
 public:
  HttpSender::Done done(std::string tag) {
    return [this, tag](OutboundResult result) {
      std::lock_guard<std::mutex> lock(mutex_);
      results_.emplace_back(tag, std::move(result));
      changed_.notify_all();
    };
  }
  bool wait_for(std::size_t count, std::chrono::seconds limit = 10s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return results_.size() >= count; });
  }
  std::vector<std::pair<std::string, OutboundResult>> all() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_;
  }
  /// The first result; an empty one (and a failure) if none came in 10 s.
  OutboundResult first() {
    if (!wait_for(1)) ADD_FAILURE() << "no result came";
    auto results = all();
    return results.empty() ? OutboundResult{} : results.front().second;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, OutboundResult>> results_;
};

OutboundRequest post(std::string url, std::chrono::milliseconds timeout = 10s) {
  OutboundRequest request;
  request.url = std::move(url);
  request.body = R"({"type":"incident.created"})";
  request.timeout = timeout;
  request.allow_private = true;  // the receivers are on loopback
  return request;
}

/// A loopback port nothing listens on (bound, then closed again).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(HttpSender, PostsTheBodyAndHeadersExactlyAndReportsTheStatus) {
  Receiver receiver(kOk);
  Outcomes outcomes;
  HttpSender sender("incident-api-test/1.0");
  auto request = post(receiver.url("/hooks/42?x=1"));
  // Over 1 MiB, where curl would otherwise hold the body for "100 Continue".
  request.body = R"({"type":"incident.created","data":")" + std::string(1 << 20, 'x') + "\"}";
  request.headers = {"webhook-id: msg_1", "webhook-signature: v1,c2lnbmF0dXJl"};
  sender.send(request, outcomes.done("only"));

  auto result = outcomes.first();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error, "");
  EXPECT_GT(result.duration.count(), 0);
  ASSERT_EQ(receiver.requests().size(), 1u);
  const auto received = receiver.requests()[0];
  EXPECT_EQ(received.request_line, "POST /hooks/42?x=1 HTTP/1.1");
  EXPECT_EQ(received.body, request.body);
  std::vector<std::string> names;
  for (const auto& line : received.headers)
    names.push_back(lowercase(line.substr(0, line.find(':'))));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"accept", "content-length", "content-type", "host",
                                             "user-agent", "webhook-id", "webhook-signature"}));
  EXPECT_EQ(received.header("webhook-id"), "msg_1");
  EXPECT_EQ(received.header("webhook-signature"), "v1,c2lnbmF0dXJl");
  EXPECT_EQ(received.header("content-type"), "application/json");
  EXPECT_EQ(received.header("content-length"), std::to_string(request.body.size()));
  EXPECT_EQ(received.header("user-agent"), "incident-api-test/1.0");
}

TEST(HttpSender, ReportsAServerErrorAsItsStatusWithNoError) {
  Receiver receiver(kServerError);
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post(receiver.url()), outcomes.done("only"));
  auto result = outcomes.first();
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(result.error, "");
}

TEST(HttpSender, ReportsARedirectWithoutFollowingIt) {
  Receiver target(kOk);
  Receiver redirector("HTTP/1.1 302 Found\r\nLocation: " + target.url("/elsewhere") +
                      "\r\nContent-Length: 0\r\n\r\n");
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post(redirector.url()), outcomes.done("redirected"));
  auto result = outcomes.first();
  EXPECT_EQ(result.status, 302);
  EXPECT_EQ(result.error, "");
  // Had the redirect been followed, its connection would come before this one.
  sender.send(post(target.url("/probe")), outcomes.done("probe"));
  ASSERT_TRUE(target.wait_for_requests(1));
  ASSERT_TRUE(outcomes.wait_for(2));
  EXPECT_EQ(target.connections(), 1u);
  ASSERT_EQ(target.requests().size(), 1u);
  EXPECT_EQ(target.requests()[0].request_line, "POST /probe HTTP/1.1");
}

TEST(HttpSender, GivesUpOnAHangingReceiverAtTheTimeout) {
  Receiver receiver(kHang);
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post(receiver.url(), 300ms), outcomes.done("only"));
  auto result = outcomes.first();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "timed out");
  EXPECT_GE(result.duration, 250ms);
  EXPECT_LT(result.duration, 5s);
  EXPECT_EQ(receiver.requests().size(), 1u);  // it was sent, and never answered
}

TEST(HttpSender, ReportsAClosedPortAsRefused) {
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post("http://127.0.0.1:" + std::to_string(closed_port()) + "/hook"),
              outcomes.done("only"));
  auto result = outcomes.first();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "connection refused");
}

TEST(HttpSender, RefusesALoopbackPeerWithoutConnectingToIt) {
  Receiver receiver(kOk);
  Outcomes outcomes;
  HttpSender sender("test");
  auto by_address = post(receiver.url());
  by_address.allow_private = false;
  sender.send(by_address, outcomes.done("address"));
  // A name is judged by what it resolves to.
  auto by_name = by_address;
  by_name.url = "http://localhost:" + receiver.url().substr(receiver.url().rfind(':') + 1);
  sender.send(by_name, outcomes.done("name"));
  ASSERT_TRUE(outcomes.wait_for(2));
  for (const auto& [tag, result] : outcomes.all()) {
    EXPECT_EQ(result.status, 0) << tag;
    EXPECT_EQ(result.error, "address refused: loopback") << tag;
  }
  // Any connection of the refused requests would have been accepted first.
  sender.send(post(receiver.url("/probe")), outcomes.done("probe"));
  ASSERT_TRUE(outcomes.wait_for(3));
  EXPECT_EQ(receiver.connections(), 1u);
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(receiver.requests()[0].request_line, "POST /probe HTTP/1.1");
}

TEST(HttpSender, RefusesSchemesOtherThanHttpAndHeadersThatSplitLines) {
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post("file:///etc/passwd"), outcomes.done("file"));
  sender.send(post("gopher://127.0.0.1:70/"), outcomes.done("gopher"));
  auto split = post("http://127.0.0.1:9/");
  split.headers = {"webhook-id: 1\r\nX-Injected: yes"};
  sender.send(split, outcomes.done("split"));
  ASSERT_TRUE(outcomes.wait_for(3));
  for (const auto& [tag, result] : outcomes.all()) {
    EXPECT_EQ(result.status, 0) << tag;
    EXPECT_EQ(result.error, tag == "split" ? "invalid header" : "Unsupported protocol") << tag;
  }
}

TEST(HttpSender, AHangingReceiverDoesNotDelayAnotherOne) {
  Receiver hanging(kHang);
  Receiver quick(kOk);
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post(hanging.url(), 30s), outcomes.done("hanging"));
  ASSERT_TRUE(hanging.wait_for_requests(1));
  sender.send(post(quick.url()), outcomes.done("quick"));
  ASSERT_TRUE(outcomes.wait_for(1));
  auto results = outcomes.all();
  EXPECT_EQ(results[0].first, "quick");
  EXPECT_EQ(results[0].second.status, 200);
  EXPECT_LT(results[0].second.duration, 5s);
  EXPECT_EQ(sender.in_flight(), 1u);  // the hanging one, until the sender stops
}

TEST(HttpSender, CompletesTwoHundredConcurrentRequestsSentFromSeveralThreads) {
  Receiver receiver(kOk);
  Outcomes outcomes;
  HttpSender sender("test");
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        sender.send(post(receiver.url("/" + std::to_string(t * 50 + i))),
                    outcomes.done(std::to_string(t * 50 + i)));
    });
  for (auto& thread : senders) thread.join();
  ASSERT_TRUE(outcomes.wait_for(200, 60s));
  for (const auto& [tag, result] : outcomes.all()) {
    EXPECT_EQ(result.status, 200) << tag;
    EXPECT_EQ(result.error, "") << tag;
  }
  EXPECT_EQ(receiver.requests().size(), 200u);
  EXPECT_EQ(sender.in_flight(), 0u);
}

TEST(HttpSender, RequestsBeyondTheLimitWaitForASlot) {
  Receiver hanging(kHang);
  Receiver quick(kOk);
  Outcomes outcomes;
  HttpSender sender("test", 1);
  sender.send(post(hanging.url(), 500ms), outcomes.done("hanging"));
  sender.send(post(quick.url()), outcomes.done("quick"));
  ASSERT_TRUE(outcomes.wait_for(2));
  auto results = outcomes.all();
  EXPECT_EQ(results[0].first, "hanging");
  EXPECT_EQ(results[0].second.error, "timed out");
  EXPECT_EQ(results[1].first, "quick");
  EXPECT_EQ(results[1].second.status, 200);
}

TEST(HttpSender, ABacklogOfOneKeyDoesNotDelayAnotherKeysRequest) {
  Receiver hanging(kHang);
  Receiver quick(kOk);
  Outcomes outcomes;
  HttpSender sender("test", 1);
  auto keyed = [](std::int64_t key, OutboundRequest request) {
    request.key = key;
    return request;
  };
  for (int i = 0; i < 6; ++i) sender.send(keyed(1, post(hanging.url(), 300ms)), outcomes.done("A"));
  ASSERT_TRUE(hanging.wait_for_requests(1));  // one on the wire, five waiting
  sender.send(keyed(2, post(quick.url())), outcomes.done("B"));
  ASSERT_TRUE(outcomes.wait_for(7, 20s));
  std::vector<std::string> order;
  for (const auto& [tag, result] : outcomes.all()) order.push_back(tag);
  // Key 2 waits for one turn of key 1 at most (the one on the wire, and key 1's
  // turn it joined behind): in the order sent it would wait for all six.
  const auto b = std::find(order.begin(), order.end(), "B") - order.begin();
  EXPECT_LE(b, 2) << "B came back after " << b << " of A's requests";
  for (const auto& [tag, result] : outcomes.all()) {
    if (tag == "B") {
      EXPECT_EQ(result.status, 200);
    } else {
      EXPECT_EQ(result.error, "timed out");
    }
  }
  EXPECT_EQ(quick.requests().size(), 1u);
}

TEST(HttpSender, KeysTakeTurnsForEveryFreedSlot) {
  Receiver receiver(kOk);
  Outcomes outcomes;
  HttpSender sender("test", 1);
  Receiver hanging(kHang);
  // The slot is held while the three keys' lines fill up behind it.
  OutboundRequest blocker = post(hanging.url(), 500ms);
  blocker.key = 99;
  sender.send(blocker, outcomes.done("blocker"));
  ASSERT_TRUE(hanging.wait_for_requests(1));
  for (int i = 0; i < 3; ++i)
    for (std::int64_t key : {1, 2, 3}) {
      OutboundRequest request = post(receiver.url("/" + std::to_string(key)));
      request.key = key;
      sender.send(request, outcomes.done(std::to_string(key)));
    }
  ASSERT_TRUE(outcomes.wait_for(10, 20s));
  std::vector<std::string> order;
  for (const auto& [tag, result] : outcomes.all()) order.push_back(tag);
  EXPECT_EQ(order,
            (std::vector<std::string>{"blocker", "1", "2", "3", "1", "2", "3", "1", "2", "3"}));
}

TEST(HttpSender, StoppingCompletesRunningAndQueuedRequestsAsStopped) {
  Receiver hanging(kHang);
  Outcomes outcomes;
  auto sender = std::make_unique<HttpSender>("test", 2);
  for (int i = 0; i < 4; ++i) {
    auto request = post(hanging.url(), 30s);
    request.key = i % 2;  // queued on two keys' lines
    sender->send(request, outcomes.done("hanging"));
  }
  ASSERT_TRUE(hanging.wait_for_requests(2));  // two on the wire, two queued
  EXPECT_EQ(sender->in_flight(), 4u);
  sender.reset();
  auto results = outcomes.all();
  ASSERT_EQ(results.size(), 4u);
  for (const auto& [tag, result] : results) {
    EXPECT_EQ(result.status, 0) << tag;
    EXPECT_EQ(result.error, "stopped") << tag;
  }
}

TEST(HttpSender, StopsReadingALongAnswerButReportsItsStatus) {
  // 2 MiB of a 64 MiB body, then silence: only a reader that stops at 1 MiB
  // is done before the timeout.
  Receiver receiver("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(64 << 20) + "\r\n\r\n" +
                    std::string(2 << 20, 'x'));
  Outcomes outcomes;
  HttpSender sender("test");
  sender.send(post(receiver.url(), 5s), outcomes.done("only"));
  auto result = outcomes.first();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.error, "");
}

}  // namespace
}  // namespace incident::webhooks
