// End-to-end: the HTTP/1.1 layer of the real binary under hostile or unusual
// input. Limits are answered early with JSON naming what was wrong (413 before
// the body is read, 414, 431, 400 for a bad Content-Length or bad UTF-8);
// chunked bodies, 100-continue, pipelining and Connection: close behave; slow
// and idle connections neither starve other clients nor stay open forever.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "proc_info.hpp"
#include "server_process.hpp"
#include "socket_io.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A small body limit keeps the bodies that cross it cheap to build.
constexpr std::size_t kMaxBody = 2048;
constexpr std::size_t kLineLimit = 8 * 1024;  // request line, and each header line
constexpr std::size_t kHeaderBytesLimit = 64 * 1024;
constexpr const char* kSecret = "http-limits-secret";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Raises the soft limit on open files to the hard one, for this process and
/// the servers it starts afterwards. Returns the soft limit now in force.
rlim_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

ServerOptions options_with(std::vector<std::string> extra_args) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = kSecret;
  options.extra_args = {"--max-body-bytes", std::to_string(kMaxBody)};
  options.extra_args.insert(options.extra_args.end(), extra_args.begin(), extra_args.end());
  return options;
}

/// One client connection driven by hand (raw bytes, keep-alive, pipelining),
/// closed when it goes out of scope.
class Connection {
 public:
  explicit Connection(int port, int timeout_seconds = 10)
      : fd_(connect_to("127.0.0.1", port, timeout_seconds)), reader_(fd_) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  bool send(const std::string& bytes) { return write_all(fd_, bytes); }
  Response next(bool head_request = false) { return reader_.next(head_request); }
  /// True once the server has ended the connection and nothing is left to read.
  bool closed_by_server() { return reader_.peer_closed(); }

 private:
  int fd_;
  ResponseReader reader_;
};

/// Many bare sockets (idle or slow clients), all closed together.
class SocketGroup {
 public:
  ~SocketGroup() {
    for (int fd : fds_) ::close(fd);
  }
  /// Connects `count` more sockets; false as soon as one cannot connect.
  bool open(int port, int count) {
    for (int i = 0; i < count; ++i) {
      int fd = connect_to("127.0.0.1", port, 10);
      if (fd < 0) return false;
      fds_.push_back(fd);
    }
    return true;
  }
  const std::vector<int>& fds() const { return fds_; }

 private:
  std::vector<int> fds_;
};

/// True while the server neither sent anything on fd nor closed it.
bool open_and_silent(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 0;
}

/// Whether fd has something to read (bytes, or the end of the connection).
bool readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 1;
}

/// The server's open descriptors once the count stops moving (connections of
/// earlier tests may still be winding down), waiting at most 5 s.
int settled_descriptors(pid_t pid) {
  int count = open_descriptors(pid);
  for (int i = 0; i < 25; ++i) {
    std::this_thread::sleep_for(milliseconds(200));
    int now = open_descriptors(pid);
    if (now == count) break;
    count = now;
  }
  return count;
}

/// A slowloris client's request: it never ends (no line break), and is short
/// enough that no size limit cuts it before a timeout does.
const std::string& endless_request() {
  static const std::string bytes =
      "GET /api/incident HTTP/1.1\r\nHost: slow\r\nX-Slow: " + std::string(4000, 's');
  return bytes;
}

/// Sends the next byte of endless_request() to fd; the server may already have
/// answered or closed, so failures are ignored.
void trickle(int fd, std::size_t& position) {
  const std::string& bytes = endless_request();
  if (position < bytes.size()) ::send(fd, bytes.data() + position++, 1, MSG_NOSIGNAL);
}

/// A request as bytes: request line, Host, the headers as given (no
/// Content-Length is added: tests choose their own), blank line, body.
std::string request_bytes(const std::string& method, const std::string& target,
                          const Headers& headers = {}, const std::string& body = "",
                          const std::string& version = "HTTP/1.1") {
  std::string out = method + " " + target + " " + version + "\r\nHost: limits.test\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  return out + "\r\n" + body;
}

/// Expects an error answer: that status, JSON {"message", "reasons"} naming field.
void expect_json_error(const Response& response, int status, const std::string& field) {
  EXPECT_EQ(response.status, status) << response.describe();
  EXPECT_TRUE(response.is_json()) << response.header_or_empty("Content-Type");
  EXPECT_TRUE(response.json().contains("message")) << response.body;
  EXPECT_TRUE(names_field(response.json(), field))
      << "the reasons do not name \"" << field << "\": " << response.body;
}

/// A server with a 2 KiB body limit and default timeouts, a token and a
/// scope and service to create incidents in: shared by the tests of
/// HttpLimitsTest, started on first use.
struct LimitsWorld {
  rlim_t open_file_limit = raise_open_file_limit();  // before the server inherits it
  ServerProcess server{options_with({})};
  bool up = false;
  std::string token;
  long long scope = 0;
  long long service = 0;

  LimitsWorld() {
    up = server.start();
    if (!up) return;
    ApiClient api(server.client());
    token = issue_token(api, TokenRequest(kSecret));
    scope = id_of(create_catalog(api, token, "scope"));
    service = id_of(create_catalog(api, token, "service"));
  }
};

class HttpLimitsTest : public ::testing::Test {
 protected:
  static LimitsWorld& world() {
    static LimitsWorld instance;
    return instance;
  }

  void SetUp() override {
    ASSERT_TRUE(world().up) << world().server.failure();
    ASSERT_FALSE(world().token.empty());
  }

  static int port() { return world().server.port(); }
  static ApiClient api() { return ApiClient(world().server.client()); }
  static const std::string& token() { return world().token; }
  static std::string bearer() { return "Bearer " + token(); }

  /// The form body of a valid incident creation named `name`.
  static std::string create_body(const std::string& name) {
    return form_encode(merged(incident_fields(world().scope, world().service), {{"name", name}}));
  }

  /// A POST of a form body with a correct Content-Length and the token.
  static std::string form_post(const std::string& target, const std::string& body,
                               Headers extra = {}) {
    Headers headers = {{"Authorization", bearer()},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"Content-Length", std::to_string(body.size())}};
    headers.insert(headers.end(), extra.begin(), extra.end());
    return request_bytes("POST", target, headers, body);
  }

  static long long new_incident_id() {
    return id_of(create_incident(api(), token(), incident_fields(world().scope, world().service)));
  }

  /// Sends bytes on a fresh connection and reads the answer, expecting the
  /// server to end the connection afterwards, as it must after refusing.
  static Response refused(const std::string& bytes) {
    Connection connection(port(), 5);
    connection.send(bytes);
    Response response = connection.next();
    EXPECT_EQ(response.header_or_empty("Connection"), "close") << response.describe();
    EXPECT_TRUE(connection.closed_by_server()) << "still open after " << response.describe();
    return response;
  }
};

// ---------------------------------------------------------------- body size

TEST_F(HttpLimitsTest, ABodyOverTheLimitIs413AsSoonAsTheHeadersArrive) {
  // Ten MiB are announced, none is sent: the answer can only come from the headers.
  Connection connection(port(), 5);
  std::string head = request_bytes("POST", "/api/incident/create",
                                   {{"Authorization", bearer()},
                                    {"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Content-Length", std::to_string(10 << 20)}});
  auto sent_at = Clock::now();
  ASSERT_TRUE(connection.send(head));
  Response response = connection.next();
  double waited = seconds_since(sent_at);
  expect_json_error(response, 413, "body");
  EXPECT_LT(waited, 2.0) << "the 413 came only after " << waited << " s";
  EXPECT_EQ(response.header_or_empty("Connection"), "close");
  // Others are served while that connection is still open, then it is closed.
  EXPECT_EQ(api().get("/health").status, 200);
  EXPECT_TRUE(connection.closed_by_server());
  EXPECT_EQ(api().get("/health").status, 200);
}

TEST_F(HttpLimitsTest, ABodyOfExactlyTheLimitIsAcceptedAndOneByteMoreIs413) {
  long long id = new_incident_id();
  std::string path = incident_path(id) + "/comment";
  std::string body = "comment=" + std::string(kMaxBody - 8, 'x');
  ASSERT_EQ(body.size(), kMaxBody);
  Response accepted = api().post_bytes(path, "application/x-www-form-urlencoded", body, token());
  EXPECT_EQ(accepted.status, 302) << accepted.describe();
  Response over = api().post_bytes(path, "application/x-www-form-urlencoded", body + "y", token());
  expect_json_error(over, 413, "body");
}

TEST_F(HttpLimitsTest, AChunkedBodyOverTheLimitIs413AtTheChunkThatCrossesIt) {
  // Two chunks of 1000 bytes fit; the size line of a third announces too much:
  // the answer comes without its data.
  std::string chunk = "3e8\r\n" + std::string(1000, 'c') + "\r\n";
  std::string head = request_bytes("POST", "/api/incident/create",
                                   {{"Authorization", bearer()},
                                    {"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Transfer-Encoding", "chunked"}});
  expect_json_error(refused(head + chunk + chunk + "3e8\r\n"), 413, "body");
  // One chunk larger than the whole limit.
  expect_json_error(refused(head + "1000\r\n"), 413, "body");
  EXPECT_EQ(api().get("/health").status, 200);
}

TEST_F(HttpLimitsTest, AValidChunkedCreateWorks) {
  std::string name = unique_name("Chunked");
  std::string body = create_body(name);
  std::string chunked;
  for (std::size_t at = 0; at < body.size(); at += 7) {
    std::string piece = body.substr(at, 7);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    // A chunk extension and a trailer are legal and must be skipped.
    chunked += std::string(size) + (at == 0 ? ";ext=1" : "") + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\nX-Trailer: ignored\r\n\r\n";
  Connection connection(port(), 5);
  connection.send(request_bytes("POST", "/api/incident/create",
                                {{"Authorization", bearer()},
                                 {"Content-Type", "application/x-www-form-urlencoded"},
                                 {"Transfer-Encoding", "chunked"}},
                                chunked));
  Response response = connection.next();
  ASSERT_EQ(response.status, 302) << response.describe();
  long long id = id_from_location(response.header_or_empty("Location"));
  ASSERT_GT(id, 0) << response.header_or_empty("Location");
  EXPECT_EQ(fetch_incident(api(), id, token()).value("name", ""), name);
}

// ----------------------------------------------------------- Content-Length

/// Header lines (after Host) that frame a body in a way that must be refused.
class BadFramingTest : public HttpLimitsTest, public ::testing::WithParamInterface<Headers> {};

TEST_P(BadFramingTest, Is400JsonNamingContentLength) {
  std::string bytes = request_bytes("POST", "/api/incident/create", GetParam(), "hello");
  expect_json_error(refused(bytes), 400, "content-length");
  EXPECT_EQ(api().get("/health").status, 200);
}

INSTANTIATE_TEST_SUITE_P(
    Framing, BadFramingTest,
    ::testing::Values(Headers{{"Content-Length", "-1"}}, Headers{{"Content-Length", "abc"}},
                      Headers{{"Content-Length", "5x"}},
                      Headers{{"Content-Length", "12345678901234567890"}},  // 20 digits
                      Headers{{"Content-Length", "5"}, {"Content-Length", "6"}},
                      Headers{{"Content-Length", "5, 6"}},
                      Headers{{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}},
                      Headers{{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}));

// ------------------------------------------------------ request line, headers

/// A GET /health whose header lines (Host included) add up to exactly
/// `total` bytes (line breaks not counted), in lines of at most 8000.
std::string health_with_header_bytes(std::size_t total) {
  std::string out = "GET /health HTTP/1.1\r\nHost: x\r\n";
  std::size_t left = total - std::string("Host: x").size();
  for (int i = 0; left > 0; ++i) {
    std::string name = "X-Fill-" + std::to_string(i) + ": ";
    std::size_t value = std::min<std::size_t>(8000, left) - name.size();
    out += name + std::string(value, 'f') + "\r\n";
    left -= name.size() + value;
  }
  return out + "\r\n";
}

TEST_F(HttpLimitsTest, AHundredHeadersAreAcceptedAndOneMoreIs431) {
  auto with_headers = [](int count) {
    std::string out = "GET /health HTTP/1.1\r\nHost: x\r\n";  // Host is one of them
    for (int i = 1; i < count; ++i) out += "X-Many-" + std::to_string(i) + ": v\r\n";
    return out + "\r\n";
  };
  Connection connection(port(), 5);
  connection.send(with_headers(100));
  EXPECT_EQ(connection.next().status, 200);
  expect_json_error(refused(with_headers(101)), 431, "headers");
}

TEST_F(HttpLimitsTest, AHeaderLineOver8KiBIs431BeforeItEnds) {
  // The line never ends: the server must refuse it without waiting for more.
  std::string bytes = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(kLineLimit, 'b');
  expect_json_error(refused(bytes), 431, "headers");
}

TEST_F(HttpLimitsTest, HeadersOf64KiBInAllAreAcceptedAndOneByteMoreIs431) {
  Connection connection(port(), 5);
  connection.send(health_with_header_bytes(kHeaderBytesLimit));
  Response accepted = connection.next();
  EXPECT_EQ(accepted.status, 200) << accepted.describe();
  expect_json_error(refused(health_with_header_bytes(kHeaderBytesLimit + 1)), 431, "headers");
  expect_json_error(refused(health_with_header_bytes(9 * 8000)), 431, "headers");
}

TEST_F(HttpLimitsTest, AHeaderLineOfExactly8KiBIsAcceptedWhereverTheReadsSplitIt) {
  // The server reads in pieces (4 KiB with Pistache): the line must be judged
  // by its length, whichever piece its CR and LF arrive in. The padding header
  // moves the big line so its CR falls at, or near, the end of a piece.
  const std::string start = "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  const std::string big = "X-Big: " + std::string(kLineLimit - 7, 'b');
  ASSERT_EQ(big.size(), kLineLimit);
  for (int shift = -2; shift <= 2; ++shift) {
    // Where the big line's CR lands: start + pad + "\r\n" + big.
    std::size_t cr_at_without_pad = start.size() + 2 + big.size();
    std::size_t pad = 3 * 4096 - 1 + shift - cr_at_without_pad;
    std::string bytes =
        start + std::string(pad, 'p') + "\r\n" + big + "\r\nConnection: close\r\n\r\n";
    Connection connection(port(), 5);
    connection.send(bytes);
    Response response = connection.next();
    EXPECT_EQ(response.status, 200)
        << "CR at offset " << (cr_at_without_pad + pad) << ": " << response.describe();
  }
}

TEST_F(HttpLimitsTest, ARequestLineOf8KiBIsAcceptedAndLongerIs414) {
  auto request_line = [](std::size_t length) {
    std::string start = "GET /health?pad=";
    std::string end = " HTTP/1.1";
    return start + std::string(length - start.size() - end.size(), 'p') + end;
  };
  Connection connection(port(), 5);
  connection.send(request_line(kLineLimit) + "\r\nHost: x\r\nConnection: close\r\n\r\n");
  Response accepted = connection.next();
  EXPECT_EQ(accepted.status, 200) << accepted.describe();
  expect_json_error(refused(request_line(kLineLimit + 1) + "\r\n\r\n"), 414, "request line");
  // A line that never ends is refused once it is too long, not when it ends.
  expect_json_error(refused("GET /" + std::string(kLineLimit + 100, 'a')), 414, "request line");
}

// -------------------------------------------------------------------- UTF-8

TEST_F(HttpLimitsTest, InvalidUtf8InAQueryParameterIs400NamingIt) {
  Response value = api().get("/api/incident?page=%FF", token());
  expect_json_error(value, 400, "page");
  Response second = api().get("/api/incident?per_page=5&q=%C3%28", token());
  expect_json_error(second, 400, "q");
  Response name = api().get("/api/incident?%FF=1", token());
  expect_json_error(name, 400, "query");
}

TEST_F(HttpLimitsTest, InvalidUtf8InAJsonBodyIs400) {
  std::string body = "{\"scope\": " + std::to_string(world().scope) +
                     ", \"service\": " + std::to_string(world().service) +
                     ", \"severity\": \"low\", \"name\": \"bad \xFF bytes\"}";
  Response response = api().post_bytes("/api/incident/create", "application/json", body, token());
  expect_json_error(response, 400, "body");
}

TEST_F(HttpLimitsTest, InvalidUtf8InAFormBodyIs400NamingTheField) {
  std::string body = form_encode(without(incident_fields(world().scope, world().service), "name"));
  body += "&name=Broken%FF%FEname";
  Response response =
      api().post_bytes("/api/incident/create", "application/x-www-form-urlencoded", body, token());
  expect_json_error(response, 400, "name");
}

// ------------------------------------------------------------------- routes

TEST_F(HttpLimitsTest, AWrongMethodIs405JsonWithAllow) {
  // test_routes covers 404 and 405 as JSON; the Allow header is checked here.
  Response on_incident = api().send("DELETE", incident_path(1), {});
  EXPECT_EQ(on_incident.status, 405) << on_incident.describe();
  EXPECT_TRUE(on_incident.is_json());
  EXPECT_EQ(on_incident.header_or_empty("Allow"), "GET");
  Response on_create = api().send("GET", "/api/incident/create", {});
  EXPECT_EQ(on_create.status, 405) << on_create.describe();
  EXPECT_EQ(on_create.header_or_empty("Allow"), "POST");
}

// ------------------------------------------------------------- 100-continue

TEST_F(HttpLimitsTest, ExpectContinueGets100BeforeTheBodyThenTheAnswer) {
  std::string name = unique_name("Continued");
  std::string body = create_body(name);
  std::string request = form_post("/api/incident/create", body, {{"Expect", "100-continue"}});
  std::string head = request.substr(0, request.size() - body.size());
  Connection connection(port(), 5);
  ASSERT_TRUE(connection.send(head));
  Response interim = connection.next();
  ASSERT_EQ(interim.status, 100) << "no 100 Continue while the body is held back: "
                                 << interim.describe();
  ASSERT_TRUE(connection.send(body));
  Response response = connection.next();
  ASSERT_EQ(response.status, 302) << response.describe();
  long long id = id_from_location(response.header_or_empty("Location"));
  EXPECT_EQ(fetch_incident(api(), id, token()).value("name", ""), name);
}

TEST_F(HttpLimitsTest, ExpectContinueWithABodyOverTheLimitGets413Instead) {
  std::string head = request_bytes("POST", "/api/incident/create",
                                   {{"Authorization", bearer()},
                                    {"Content-Type", "application/x-www-form-urlencoded"},
                                    {"Content-Length", std::to_string(kMaxBody + 1)},
                                    {"Expect", "100-continue"}});
  expect_json_error(refused(head), 413, "body");
}

// --------------------------------------------------------------- pipelining

/// One request of a pipeline and how to recognize its answer.
struct Pipelined {
  std::string bytes;
  bool head = false;
  int status = 200;
  std::string key;  // when set, the JSON answer's key must hold `value`
  json value;
};

TEST_F(HttpLimitsTest, FiftyPipelinedRequestsAreAnsweredInOrder) {
  std::vector<long long> ids = {new_incident_id(), new_incident_id(), new_incident_id()};
  std::vector<Pipelined> pipeline;
  for (int i = 0; i < 50; ++i) {
    switch (i % 5) {
      case 0:
        pipeline.push_back({request_bytes("GET", "/health"), false, 200, "status", "ok"});
        break;
      case 1: {
        long long id = ids[static_cast<std::size_t>(i) % ids.size()];
        pipeline.push_back({request_bytes("GET", incident_path(id)), false, 200, "id", id});
        break;
      }
      case 2:
        pipeline.push_back(
            {request_bytes("GET", "/api/nope-" + std::to_string(i)), false, 404, "", {}});
        break;
      case 3: {
        std::string name = unique_name("Pipelined " + std::to_string(i));
        pipeline.push_back({form_post("/api/incident/create", create_body(name),
                                      {{"Prefer", "return=representation"}}),
                            false, 201, "name", name});
        break;
      }
      default:
        pipeline.push_back({request_bytes("HEAD", "/health"), true, 200, "", {}});
    }
  }
  // The last request asks to close: the server must then end the connection.
  pipeline.back() = {request_bytes("GET", "/health", {{"Connection", "close"}}), false, 200,
                     "status", "ok"};
  std::string all;
  for (const auto& request : pipeline) all += request.bytes;
  ASSERT_GT(all.size(), 4096u) << "the pipeline should span several reads of the server";

  Connection connection(port(), 10);
  ASSERT_TRUE(connection.send(all));  // one send
  for (std::size_t i = 0; i < pipeline.size(); ++i) {
    const Pipelined& expected = pipeline[i];
    Response response = connection.next(expected.head);
    ASSERT_EQ(response.status, expected.status) << "answer " << i << ": " << response.describe();
    if (expected.head) {
      EXPECT_TRUE(response.body.empty()) << "answer " << i;
    }
    if (!expected.key.empty()) {
      ASSERT_EQ(response.json().value(expected.key, json()), expected.value)
          << "answer " << i << " is not its request's: " << response.describe();
    }
  }
  EXPECT_TRUE(connection.closed_by_server());
}

// --------------------------------------------------------- Connection: close

TEST_F(HttpLimitsTest, Http10WithoutKeepAliveIsAnsweredThenClosed) {
  Connection connection(port(), 5);
  connection.send(request_bytes("GET", "/health", {}, "", "HTTP/1.0") +
                  request_bytes("GET", "/health", {}, "", "HTTP/1.0"));
  Response response = connection.next();
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.header_or_empty("Connection"), "close");
  EXPECT_TRUE(connection.closed_by_server()) << "the second request was answered or left open";
}

TEST_F(HttpLimitsTest, Http10WithKeepAliveStaysOpen) {
  Connection connection(port(), 5);
  std::string request =
      request_bytes("GET", "/health", {{"Connection", "keep-alive"}}, "", "HTTP/1.0");
  connection.send(request + request);
  for (int i = 0; i < 2; ++i) {
    Response response = connection.next();
    EXPECT_EQ(response.status, 200) << i << ": " << response.describe();
    EXPECT_EQ(response.header_or_empty("Connection"), "keep-alive") << i;
  }
}

TEST_F(HttpLimitsTest, Http11ConnectionCloseIsAnsweredThenClosed) {
  Connection connection(port(), 5);
  connection.send(request_bytes("GET", "/health", {{"Connection", "close"}}) +
                  request_bytes("GET", "/health"));
  Response response = connection.next();
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_EQ(response.header_or_empty("Connection"), "close");
  EXPECT_TRUE(connection.closed_by_server()) << "the second request was answered or left open";
}

/// True when the list shows an incident of that name.
bool listed(const ApiClient& api, const std::string& token, const std::string& name) {
  Response list = api.get("/api/incident?per_page=50", token);
  EXPECT_EQ(list.status, 200) << list.describe();
  for (const auto& incident : list.json().value("items", json::array()))
    if (incident.value("name", "") == name) return true;
  return false;
}

TEST_F(HttpLimitsTest, NothingSentAfterARequestThatClosesIsProcessed) {
  // RFC 9112, 9.6: after a request that closes the connection, the server
  // must not process further requests on it. The create behind it is padded
  // past one read of the server (4 KiB), so it is read while the health
  // check (a Redis round trip) is still being answered.
  const std::vector<std::string> closing = {
      request_bytes("GET", "/health", {{"Connection", "close"}}),
      request_bytes("GET", "/health", {}, "", "HTTP/1.0")};
  for (const std::string& first : closing) {
    std::string name = unique_name("After close");
    std::string create =
        form_post("/api/incident/create", create_body(name), {{"X-Pad", std::string(6000, 'p')}});
    Connection connection(port(), 5);
    connection.send(first + create);
    Response response = connection.next();
    EXPECT_EQ(response.status, 200) << response.describe();
    EXPECT_TRUE(connection.closed_by_server());
    std::this_thread::sleep_for(milliseconds(300));  // a create in flight lands by then
    EXPECT_FALSE(listed(api(), token(), name))
        << "the create sent after \"" << first.substr(0, first.find('\r'))
        << "\" with close was processed (and its answer dropped)";
  }
}

// ---------------------------------------------------- slow and idle clients

/// A byte every 200 ms on every socket of `slow`, from its own thread, until destroyed.
class Trickler {
 public:
  explicit Trickler(const SocketGroup& slow)
      : thread_([this, &slow] {
          std::vector<std::size_t> positions(slow.fds().size(), 0);
          while (!stop_) {
            for (std::size_t i = 0; i < slow.fds().size(); ++i)
              trickle(slow.fds()[i], positions[i]);
            ++rounds_;
            std::this_thread::sleep_for(milliseconds(200));
          }
        }) {}
  ~Trickler() {
    stop_ = true;
    thread_.join();
  }
  int rounds() const { return rounds_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> rounds_{0};
  std::thread thread_;  // last: starts once the flags exist
};

TEST_F(HttpLimitsTest, IdleAndSlowConnectionsDoNotStarveOtherClients) {
  constexpr int kIdle = 300;
  constexpr int kSlow = 100;
  constexpr int kRequests = 200;
  // Ours, and the server's (which inherited the same limit), with room to spare.
  if (world().open_file_limit < kIdle + kSlow + 200)
    GTEST_SKIP() << "open file limit " << world().open_file_limit << " is too low";
  pid_t pid = world().server.pid();
  int baseline = settled_descriptors(pid);
  ASSERT_GT(baseline, 0);
  {
    SocketGroup idle, slow;
    ASSERT_TRUE(idle.open(port(), kIdle));
    ASSERT_TRUE(slow.open(port(), kSlow));
    Trickler trickler(slow);
    // The server holds every one of them (none is left waiting in the backlog).
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (open_descriptors(pid) < baseline + kIdle + kSlow && Clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(20));
    ASSERT_GE(open_descriptors(pid), baseline + kIdle + kSlow);

    auto started = Clock::now();
    for (int i = 0; i < kRequests; ++i) {
      const char* target = i % 2 == 0 ? "/health" : "/api/incident";
      Response response = api().http().with_timeout(5).request("GET", target);
      ASSERT_EQ(response.status, 200)
          << "request " << i << " " << target << ": " << response.describe();
    }
    double took = seconds_since(started);
    EXPECT_LT(took, 20.0) << kRequests << " requests took " << took << " s";

    // Let the slow clients trickle a while, then check none was cut or
    // answered: with the default timeouts (30 s, 120 s) none is due yet.
    while (trickler.rounds() < 5) std::this_thread::sleep_for(milliseconds(50));
    for (int fd : idle.fds()) ASSERT_TRUE(open_and_silent(fd)) << "an idle connection was touched";
    for (int fd : slow.fds()) ASSERT_TRUE(open_and_silent(fd)) << "a slow connection was touched";
  }
  // Once the clients are gone, the server releases every one of their sockets.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (open_descriptors(pid) > baseline && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_LE(open_descriptors(pid), baseline);
}

/// A client of the timeouts test: the bytes it trickles, `step` of them
/// every 200 ms until the server reacts (none for an idle client), and when
/// the server first answered or closed, in seconds from the start.
struct TimedClient {
  int fd;
  std::string script;
  std::size_t step = 0;
  std::size_t position = 0;
  double reacted_after = -1;  // -1 while the server did nothing
};

/// Ticks of 200 ms: every client that got nothing yet sends its next bytes,
/// and the time the server reacts is noted; until all reacted or `limit` is up.
void watch_until_all_react(std::vector<TimedClient>& clients, Clock::time_point start,
                           std::chrono::seconds limit) {
  auto waiting = [&] {
    for (const auto& client : clients)
      if (client.reacted_after < 0) return true;
    return false;
  };
  while (waiting() && Clock::now() < start + limit) {
    for (auto& client : clients) {
      if (client.reacted_after >= 0 || client.position >= client.script.size()) continue;
      std::string bytes = client.script.substr(client.position, client.step);
      client.position += bytes.size();
      ::send(client.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);  // may be closed already
    }
    auto tick_end = Clock::now() + milliseconds(200);
    while (Clock::now() < tick_end) {
      for (auto& client : clients)
        if (client.reacted_after < 0 && readable(client.fd))
          client.reacted_after = seconds_since(start);
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
}

TEST(HttpTimeoutsTest, SlowRequestsGet408AndIdleConnectionsAreClosed) {
  raise_open_file_limit();
  ServerProcess server(
      options_with({"--request-timeout-seconds", "2", "--idle-timeout-seconds", "3"}));
  ASSERT_TRUE(server.start()) << server.failure();
  int port = server.port();
  int baseline = settled_descriptors(server.pid());

  // The idle timers start when the server accepts, after this instant.
  auto before_opening = Clock::now();
  constexpr std::size_t kEach = 5;
  SocketGroup slow, idle, blank;
  ASSERT_TRUE(slow.open(port, kEach));
  ASSERT_TRUE(idle.open(port, kEach));
  ASSERT_TRUE(blank.open(port, kEach));
  Connection used(port, 10);  // one request, then idle between requests
  used.send(request_bytes("GET", "/health"));
  Response first = used.next();
  ASSERT_EQ(first.status, 200) << first.describe();
  ASSERT_EQ(first.header_or_empty("Connection"), "keep-alive");

  // Slow clients send a never-ending request a byte at a time; blank-line
  // clients send only the line breaks tolerated before a request, which must
  // not count as activity (or a client could hold a connection forever).
  std::vector<TimedClient> clients;
  for (int fd : slow.fds()) clients.push_back({fd, endless_request(), 1});
  for (int fd : idle.fds()) clients.push_back({fd, "", 0});
  for (int fd : blank.fds()) clients.push_back({fd, std::string(200, '\n'), 1});
  clients.push_back({used.fd(), "", 0});
  auto start = Clock::now();  // the slow clients' first bytes go now
  watch_until_all_react(clients, start, std::chrono::seconds(8));
  double opening = std::chrono::duration<double>(start - before_opening).count();

  for (std::size_t i = 0; i < kEach; ++i) {
    // Answered after the 2 s request timeout (counted from the first byte,
    // not between bytes: they kept coming), within a sweep of the monitor (1 s).
    const TimedClient& client = clients[i];
    if (client.reacted_after < 0) {
      ADD_FAILURE() << "a slow client got no answer within 8 s";
      continue;
    }
    EXPECT_GE(client.reacted_after, 1.9) << "a slow client was answered too early";
    EXPECT_LE(client.reacted_after, 4.5) << "a slow client was not answered in time";
    ResponseReader reader(client.fd);
    Response response = reader.next();
    expect_json_error(response, 408, "request");
    EXPECT_EQ(response.header_or_empty("Connection"), "close");
    EXPECT_TRUE(reader.peer_closed()) << "the connection stayed open after the 408";
  }
  for (std::size_t i = kEach; i < clients.size(); ++i) {
    const TimedClient& client = clients[i];
    std::string kind = i < 2 * kEach ? "an idle" : i < 3 * kEach ? "a blank-line" : "a used";
    if (client.reacted_after < 0) {
      ADD_FAILURE() << kind << " connection outlived the idle timeout";
      continue;  // reading it would only wait out the read timeout
    }
    EXPECT_GE(opening + client.reacted_after, 2.9)
        << kind << " connection closed before the idle timeout";
    EXPECT_LE(client.reacted_after, 5.5) << kind << " connection closed late";
    EXPECT_TRUE(ResponseReader(client.fd).peer_closed()) << kind << " connection got bytes";
  }

  // Every closed connection's socket is released by the server.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (open_descriptors(server.pid()) > baseline && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(50));
  EXPECT_LE(open_descriptors(server.pid()), baseline)
      << "sockets of closed connections are still open in the server";
}

}  // namespace
}  // namespace e2e

namespace e2e {
namespace {

TEST(HttpConnectionCapTest, ConnectionsPastTheCapGet503JsonAndTheCapFreesUp) {
  ServerProcess server(options_with({"--max-connections", "4"}));
  ASSERT_TRUE(server.start()) << server.failure();
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<Connection>(server.port()));
    held.back()->send(request_bytes("GET", "/health"));
    ASSERT_EQ(held.back()->next().status, 200) << "connection " << i;
  }
  Connection refused(server.port());
  expect_json_error(refused.next(), 503, "connections");
  EXPECT_TRUE(refused.closed_by_server());

  held.pop_back();  // one place frees up once the server has seen the close
  Response served;
  for (int attempt = 0; attempt < 50 && served.status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Connection again(server.port());
    again.send(request_bytes("GET", "/health"));
    served = again.next();
  }
  EXPECT_EQ(served.status, 200) << served.describe();
}

}  // namespace
}  // namespace e2e

namespace e2e {
namespace {

TEST(HttpTimeoutsTest, AClientThatStopsReadingIsCutAfterTheIdleTimeout) {
  ServerProcess server(options_with({"--idle-timeout-seconds", "2"}));
  ASSERT_TRUE(server.start()) << server.failure();
  int baseline = settled_descriptors(server.pid());
  Connection reader_that_stops(server.port());
  reader_that_stops.send(request_bytes("GET", "/health"));
  ASSERT_EQ(reader_that_stops.next().status, 200);
  EXPECT_GT(open_descriptors(server.pid()), baseline);
  // Answers far beyond what the socket buffers hold, never read: the server's
  // output for this connection stops moving (sending may fail once it is cut).
  std::string requests;
  for (int i = 0; i < 2000; ++i) requests += request_bytes("GET", "/health/version");
  for (int round = 0; round < 20; ++round)
    if (!reader_that_stops.send(requests)) break;
  // Within the idle timeout (2 s) plus a sweep of the monitor (1 s), and margin.
  int now = -1;
  for (int i = 0; i < 60 && now != baseline; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    now = open_descriptors(server.pid());
  }
  EXPECT_EQ(now, baseline) << "the stalled connection is still open";
  Connection other(server.port());
  other.send(request_bytes("GET", "/health"));
  EXPECT_EQ(other.next().status, 200) << "the server still serves others";
}

}  // namespace
}  // namespace e2e
