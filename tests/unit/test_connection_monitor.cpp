// The connection layer on real loopback sockets, without Pistache: an answer
// bigger than the socket buffers is written as the peer drains it, on one
// connection after another that the kernel gives the same descriptor number.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>

#include "http/admission.hpp"
#include "http/connection.hpp"
#include "http/connection_monitor.hpp"

namespace incident {
namespace {

/// A listening loopback socket, and connected pairs made through it.
class Loopback {
 public:
  Loopback() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 4);
    socklen_t length = sizeof address_;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address_), &length);
  }
  ~Loopback() { ::close(listener_); }

  /// {client, server} descriptors of a new connection; the client's receive
  /// buffer is small, so a large answer backs up on the server's side.
  std::pair<int, int> connect_pair() {
    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 16 * 1024;
    ::setsockopt(client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ::connect(client, reinterpret_cast<sockaddr*>(&address_), sizeof address_);
    int server = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
    ::setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    timeval timeout{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return {client, server};
  }

 private:
  int listener_ = -1;
  sockaddr_in address_{};
};

/// Reads `expected` bytes slowly; how many arrived before the peer stalled
/// (a 5 s read timeout) or ended.
std::size_t read_slowly(int fd, std::size_t expected) {
  std::size_t received = 0;
  char buffer[8192];
  while (received < expected) {
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    received += static_cast<std::size_t>(got);
    if (received % (256 * 1024) < sizeof buffer)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return received;
}

TEST(ConnectionMonitor, EachConnectionOnAReusedDescriptorIsWokenWhenItsSocketDrains) {
  Loopback loopback;
  ConnectionMonitor monitor(ConnectionTimeouts{});
  const std::string answer(4 * 1024 * 1024, 'x');
  int first_server_fd = -1;
  for (int round = 0; round < 4; ++round) {
    auto [client, server] = loopback.connect_pair();
    if (round == 0) first_server_fd = server;
    // The test is only meaningful when the number comes back: say so if not.
    EXPECT_EQ(server, first_server_fd) << "round " << round << " got another descriptor";
    auto connection = std::make_shared<Connection>(server, monitor);
    monitor.track(connection);
    connection->fill(connection->open_slot(), answer, false);
    EXPECT_EQ(read_slowly(client, answer.size()), answer.size()) << "round " << round;
    // As Pistache's reactor does: tell the connection, then close.
    connection->on_disconnected();
    ::close(server);
    ::close(client);
  }
}

TEST(ConnectionMonitor, AConnectionClosedWhileWaitingLeavesNothingForTheNextOne) {
  Loopback loopback;
  ConnectionMonitor monitor(ConnectionTimeouts{});
  const std::string answer(2 * 1024 * 1024, 'y');
  {
    auto [client, server] = loopback.connect_pair();
    auto abandoned = std::make_shared<Connection>(server, monitor);
    monitor.track(abandoned);
    abandoned->fill(abandoned->open_slot(), answer, false);  // backs up: being watched
    abandoned->on_disconnected();
    ::close(server);
    ::close(client);
  }
  auto [client, server] = loopback.connect_pair();
  auto next = std::make_shared<Connection>(server, monitor);
  monitor.track(next);
  next->fill(next->open_slot(), answer, false);
  EXPECT_EQ(read_slowly(client, answer.size()), answer.size());
  next->on_disconnected();
  ::close(server);
  ::close(client);
}

/// One connection on a real socket pair, telling `admission` what it holds.
class ConnectionBacklog : public ::testing::Test {
 protected:
  void SetUp() override {
    std::tie(client_, server_) = loopback_.connect_pair();
    connection_ = std::make_shared<Connection>(server_, monitor_, admission_);
    monitor_.track(connection_);
  }
  void TearDown() override {
    connection_->on_disconnected();  // as Pistache's reactor does before closing
    connection_.reset();
    EXPECT_EQ(admission_->backlog(Backlog::answers), 0);
    EXPECT_EQ(admission_->backlog(Backlog::streams), 0);
    ::close(server_);
    ::close(client_);
  }

  Loopback loopback_;
  ConnectionMonitor monitor_{ConnectionTimeouts{}};
  std::shared_ptr<Admission> admission_ = std::make_shared<Admission>();
  int client_ = -1, server_ = -1;
  std::shared_ptr<Connection> connection_;
};

TEST_F(ConnectionBacklog, AdmissionKnowsWhatWaitsUnreadUntilItIsReadOrDropped) {
  std::uint64_t first = connection_->open_slot();
  std::uint64_t second = connection_->open_slot();
  connection_->fill(second, std::string(1000, 'b'), false);  // waits for the first
  EXPECT_EQ(admission_->backlog(Backlog::answers), 1000);
  connection_->fill(first, std::string(3 * 1024 * 1024, 'a'), false);
  std::int64_t unread = admission_->backlog(Backlog::answers);
  EXPECT_GT(unread, 1024 * 1024) << "megabytes wait for a reader that does not read";
  EXPECT_EQ(static_cast<std::int64_t>(connection_->backlog_bytes()), unread);
  EXPECT_EQ(read_slowly(client_, 3 * 1024 * 1024 + 1000), 3u * 1024 * 1024 + 1000);
  // The writer settles the account once it sees its last bytes taken, a
  // moment after the reader got them (longer on a busy machine).
  for (int i = 0; i < 200 && admission_->backlog(Backlog::answers) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(admission_->backlog(Backlog::answers), 0);
  connection_->fill(connection_->open_slot(), std::string(2 * 1024 * 1024, 'c'), false);
  EXPECT_GT(admission_->backlog(Backlog::answers), 0);
  // Teardown drops the connection: nothing waits any more.
}

TEST_F(ConnectionBacklog, NothingPipelinedBehindAnEventStreamIsKept) {
  std::uint64_t stream = connection_->open_slot();
  std::uint64_t behind = connection_->open_slot();
  connection_->fill_stream(stream, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_FALSE(connection_->accepting()) << "input after a stream can never be answered";
  connection_->fill(behind, std::string(4 * 1024 * 1024, 'z'), false);
  EXPECT_LT(connection_->backlog_bytes(), 1024u) << "an answer that can never be written is kept";
  EXPECT_TRUE(connection_->stream("data: one\n\n"));
  EXPECT_EQ(admission_->backlog(Backlog::answers), 0);
}

}  // namespace
}  // namespace incident
