#include <gtest/gtest.h>

#include "http/response_bytes.hpp"

namespace incident {
namespace {

TEST(ResponseBytesTest, WritesStatusHeadersLengthConnectionAndBody) {
  ApiResponse response{404, R"({"message":"x"})", {{"Content-Type", "application/json"}}};
  std::string bytes = response_bytes(response, true, false);
  EXPECT_EQ(bytes.rfind("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDate: ", 0),
            0u);
  EXPECT_NE(bytes.find(" GMT\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n"),
            std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 15), R"({"message":"x"})");
}

TEST(ResponseBytesTest, HeadKeepsTheLengthButNotTheBody) {
  ApiResponse response{200, "abc", {}};
  std::string bytes = response_bytes(response, false, true);
  EXPECT_NE(bytes.find("Content-Length: 3\r\nConnection: close\r\n\r\n"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 4), "\r\n\r\n");
}

TEST(ResponseBytesTest, ANoContentAnswerSaysNoLength) {
  std::string bytes = response_bytes(ApiResponse{204, "", {}}, true, false);
  EXPECT_EQ(bytes.find("Content-Length"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("Connection: keep-alive\r\n\r\n"), std::string::npos) << bytes;
}

TEST(ResponseBytesTest, AnEventStreamIsChunkedOnlyForHttp11AndSaysWhenItCloses) {
  std::string http11 = event_stream_head(true, true);
  EXPECT_NE(http11.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(http11.find("Connection: keep-alive\r\n"), std::string::npos);
  std::string closing = event_stream_head(true, false);
  EXPECT_NE(closing.find("Connection: close\r\n"), std::string::npos);
  std::string http10 = event_stream_head(false, false);
  EXPECT_EQ(http10.find("Transfer-Encoding"), std::string::npos) << http10;
  EXPECT_EQ(http10.find("keep-alive"), std::string::npos) << http10;
  EXPECT_EQ(http10.substr(http10.size() - 4), "\r\n\r\n");
}

TEST(ResponseBytesTest, EveryStatusTheServerUsesHasItsPhrase) {
  for (int status : {200, 201, 204, 302, 400, 401, 403, 404, 405, 408, 409,
                     412, 413, 414, 415, 417, 422, 428, 429, 431, 500, 503})
    EXPECT_STRNE(reason_phrase(status), "Unknown") << status;
  EXPECT_STREQ(reason_phrase(299), "Unknown");
}

TEST(ResponseBytesTest, ChunksCarryTheirHexadecimalSize) {
  EXPECT_EQ(chunk_bytes("hello world, sixteen+"), "15\r\nhello world, sixteen+\r\n");
  EXPECT_EQ(
      event_stream_head(true, true).rfind("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream", 0),
      0u);
}

}  // namespace
}  // namespace incident
