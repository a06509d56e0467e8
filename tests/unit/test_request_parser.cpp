#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/request_parser.hpp"

namespace incident {
namespace {

using Step = RequestParser::Step;

/// Feeds `bytes` in pieces of `piece` bytes and collects every request.
std::vector<ParsedRequest> parse_all(RequestParser& parser, const std::string& bytes,
                                     std::size_t piece = 1 << 20) {
  std::vector<ParsedRequest> out;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    parser.feed(std::string_view(bytes).substr(at, piece));
    for (Step step = parser.next(); step != Step::need_more; step = parser.next()) {
      if (step == Step::failed) return out;
      if (step == Step::request) out.push_back(parser.take());
    }
  }
  return out;
}

std::string header(const ParsedRequest& request, const std::string& name) {
  for (const auto& [n, v] : request.headers)
    if (n == name) return v;
  return "<absent>";
}

TEST(RequestParserTest, ParsesARequestLineHeadersAndQuery) {
  RequestParser parser;
  auto requests = parse_all(parser,
                            "GET /api/incident?status=active&status=resolved HTTP/1.1\r\n"
                            "Host: x\r\nX-Thing:  spaced value \t\r\n\r\n");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/api/incident");
  EXPECT_EQ(requests[0].query, "status=active&status=resolved");
  EXPECT_EQ(header(requests[0], "x-thing"), "spaced value");
  EXPECT_EQ(header(requests[0], "host"), "x");
  EXPECT_TRUE(requests[0].keep_alive);
  EXPECT_TRUE(requests[0].body.empty());
}

TEST(RequestParserTest, GivesTheSameRequestsWhateverTheBytesArrivePiecewise) {
  const std::string bytes =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b?x=1 HTTP/1.1\r\nHost: "
      "h\r\n\r\n"
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n"
      "Trailer: t\r\n\r\n";
  for (std::size_t piece : {1u, 2u, 3u, 7u, 64u, 4096u}) {
    RequestParser parser;
    auto requests = parse_all(parser, bytes, piece);
    ASSERT_EQ(requests.size(), 3u) << "piece " << piece;
    EXPECT_EQ(requests[0].body, "hello");
    EXPECT_EQ(requests[1].path, "/b");
    EXPECT_EQ(requests[1].query, "x=1");
    EXPECT_EQ(requests[2].body, "abcde");
    EXPECT_FALSE(parser.mid_request());
  }
}

TEST(RequestParserTest, KeepAliveFollowsVersionAndConnectionHeader) {
  RequestParser parser;
  auto requests = parse_all(parser,
                            "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                            "GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n");
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_FALSE(requests[0].keep_alive);
  EXPECT_TRUE(requests[1].keep_alive);
  EXPECT_FALSE(requests[2].keep_alive);
}

TEST(RequestParserTest, AcceptsBareLineFeedsAndBlankLinesBeforeARequest) {
  RequestParser parser;
  auto requests = parse_all(parser, "\r\n\nGET /x HTTP/1.1\nHost: h\nA: b\n\n");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0], "a"), "b");
}

TEST(RequestParserTest, ReducesAnAbsoluteTargetToItsPath) {
  RequestParser parser;
  auto requests = parse_all(parser,
                            "GET http://example.org/api/incident?page=2 HTTP/1.1\r\nHost: h\r\n\r\n"
                            "GET http://example.org HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].path, "/api/incident");
  EXPECT_EQ(requests[0].query, "page=2");
  EXPECT_EQ(requests[1].path, "/");
}

TEST(RequestParserTest, AsksForContinueOnlyWhenTheBodyHasNotStarted) {
  RequestParser parser;
  parser.feed("POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(parser.next(), Step::send_continue);
  EXPECT_EQ(parser.next(), Step::need_more);
  EXPECT_TRUE(parser.mid_request());
  parser.feed("abc");
  ASSERT_EQ(parser.next(), Step::request);
  EXPECT_EQ(parser.take().body, "abc");

  RequestParser eager;
  eager.feed("POST /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(eager.next(), Step::request);
}

TEST(RequestParserTest, AcceptsEveryValidHostForm) {
  for (const char* host :
       {"localhost", "api.example.org", "api.example.org:8080", "127.0.0.1", "127.0.0.1:65535",
        "[::1]", "[::1]:8080", "my_host-1.internal", "example.com:"}) {
    RequestParser parser;
    auto requests = parse_all(parser, std::string("GET / HTTP/1.1\r\nHost: ") + host + "\r\n\r\n");
    ASSERT_EQ(requests.size(), 1u) << host << ": " << parser.failure().message;
    EXPECT_EQ(header(requests[0], "host"), host);
  }
}

TEST(RequestParserTest, AnHttp10RequestNeedsNoHostAndGetsNoInterimAnswer) {
  RequestParser parser;
  parser.feed("POST /a HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(parser.next(), Step::need_more) << "no 100 Continue for HTTP/1.0";
  parser.feed("abc");
  ASSERT_EQ(parser.next(), Step::request);
  ParsedRequest request = parser.take();
  EXPECT_TRUE(request.http10);
  EXPECT_FALSE(request.expects_continue);
  EXPECT_EQ(request.body, "abc");
}

struct Refused {
  std::string bytes;
  int status;
  std::string field;
};

class RequestParserRefusalTest : public ::testing::TestWithParam<Refused> {};

TEST_P(RequestParserRefusalTest, FailsWithTheStatusAndTheFieldAtFault) {
  RequestLimits limits;
  limits.max_body = 1000;
  RequestParser parser(limits);
  parser.feed(GetParam().bytes);
  Step step = parser.next();
  while (step == Step::request) {
    parser.take();
    step = parser.next();
  }
  ASSERT_EQ(step, Step::failed) << GetParam().bytes;
  EXPECT_EQ(parser.failure().status, GetParam().status);
  EXPECT_EQ(parser.failure().field, GetParam().field);
  EXPECT_FALSE(parser.failure().message.empty());
  parser.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(parser.next(), Step::failed) << "a failed parser stays failed";
}

INSTANTIATE_TEST_SUITE_P(
    Bytes, RequestParserRefusalTest,
    ::testing::Values(
        Refused{"GET\r\n\r\n", 400, "request line"}, Refused{"GET /\r\n\r\n", 400, "request line"},
        Refused{"G@T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line"},
        Refused{"GET / HTTP/2.0\r\n\r\n", 400, "request line"},
        Refused{"GET / FTP/1.1\r\n\r\n", 400, "request line"},
        Refused{"GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line"},
        Refused{"GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line"},
        Refused{"GET relative HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line"},
        Refused{"GET / HTTP/1.1\r\nHost: h\r\nNo colon\r\n\r\n", 400, "headers"},
        Refused{"GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400, "headers"},
        Refused{"GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400, "headers"},
        Refused{"GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n folded\r\n\r\n", 400, "headers"},
        Refused{std::string("GET / HTTP/1.1\r\nHost: h\r\nA: b\0c\r\n\r\n", 36), 400, "headers"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12a\r\n\r\n", 400, "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
                "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n", 400,
                "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
                "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400, "content-length"},
        Refused{
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "content-length"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400,
                "transfer-encoding"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                400, "transfer-encoding"},
        Refused{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
                "transfer-encoding"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding:\r\n\r\n",
                400, "transfer-encoding"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: ,\r\n\r\n",
                400, "transfer-encoding"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\n\r\n", 400,
                "transfer-encoding"},
        Refused{"GET / HTTP/1.1\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: evil.example/x?\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: a\"b<script>\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: user@host\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: h:99999\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400, "host"},
        Refused{"GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "host"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", 417, "expect"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n", 413, "body"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3E9\r\n", 413,
                "body"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "body"},
        Refused{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400,
                "body"},
        Refused{
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
            400, "body"}));

TEST(RequestParserTest, ATooLongRequestLineIs414BeforeItEnds) {
  RequestParser parser;
  parser.feed("GET /" + std::string(9000, 'a'));
  EXPECT_EQ(parser.next(), Step::failed);
  EXPECT_EQ(parser.failure().status, 414);
}

TEST(RequestParserTest, HeaderLimitsAre431) {
  RequestParser long_line;
  long_line.feed("GET / HTTP/1.1\r\nHost: h\r\nA: " + std::string(9000, 'a'));
  EXPECT_EQ(long_line.next(), Step::failed);
  EXPECT_EQ(long_line.failure().status, 431);

  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 101; ++i) many += "H" + std::to_string(i) + ": v\r\n";
  RequestParser too_many;
  too_many.feed(many + "\r\n");
  EXPECT_EQ(too_many.next(), Step::failed);
  EXPECT_EQ(too_many.failure().status, 431);

  std::string large = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 10; ++i)
    large += "H" + std::to_string(i) + ": " + std::string(8000, 'v') + "\r\n";
  RequestParser too_large;
  too_large.feed(large + "\r\n");
  EXPECT_EQ(too_large.next(), Step::failed);
  EXPECT_EQ(too_large.failure().status, 431);
}

TEST(RequestParserTest, ALineOfExactlyTheLimitIsAcceptedWhenItsCrAndLfArriveApart) {
  // Reads may split a line between its CR and its LF; the CR is not part of it.
  const std::string long_header = "A: " + std::string(8 * 1024 - 3, 'a');
  const std::string long_target = "/" + std::string(8 * 1024 - 14, 'b');
  const std::vector<std::pair<std::string, std::size_t>> cases = {
      {"GET / HTTP/1.1\r\nHost: h\r\n" + long_header + "\r\n\r\n", 25 + long_header.size()},
      {"GET " + long_target + " HTTP/1.1\r\nHost: h\r\n\r\n", 8 * 1024}};
  for (const auto& [bytes, cr_at] : cases) {
    ASSERT_EQ(bytes[cr_at], '\r');
    RequestParser parser;
    parser.feed(std::string_view(bytes).substr(0, cr_at + 1));
    EXPECT_EQ(parser.next(), Step::need_more) << parser.failure().status;
    parser.feed(std::string_view(bytes).substr(cr_at + 1));
    EXPECT_EQ(parser.next(), Step::request) << parser.failure().status;
  }
}

TEST(RequestParserTest, AnOversizedBodyIsRefusedBeforeAnyOfItArrives) {
  RequestLimits limits;
  limits.max_body = 10;
  RequestParser parser(limits);
  parser.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(parser.next(), Step::failed);
  EXPECT_EQ(parser.failure().status, 413);

  RequestParser exact(limits);
  exact.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789");
  EXPECT_EQ(exact.next(), Step::request);
}

TEST(RequestParserTest, RepeatedEqualContentLengthsAreOneLength) {
  RequestParser parser;
  auto requests = parse_all(parser, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nok");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "ok");
}

TEST(RequestParserTest, MidRequestTellsWhetherARequestIsPartlyReceived) {
  RequestParser parser;
  EXPECT_FALSE(parser.mid_request());
  parser.feed("GET / HT");
  EXPECT_EQ(parser.next(), Step::need_more);
  EXPECT_TRUE(parser.mid_request());
  parser.feed("TP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(parser.next(), Step::request);
  parser.take();
  EXPECT_FALSE(parser.mid_request());
}

TEST(RequestParserTest, ALongKeepAliveStreamDoesNotGrowTheBuffer) {
  RequestParser parser;
  std::string one =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x');
  for (int i = 0; i < 10000; ++i) {
    parser.feed(one);
    ASSERT_EQ(parser.next(), Step::request);
    ASSERT_EQ(parser.take().body.size(), 100u);
    ASSERT_EQ(parser.next(), Step::need_more);
  }
  EXPECT_FALSE(parser.mid_request());
}

}  // namespace
}  // namespace incident
