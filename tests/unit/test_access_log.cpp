// The access log's lines, byte for byte, and X-Request-Id's sanity rule.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/line_writer.hpp"
#include "http/access_log.hpp"
#include "http/request_id.hpp"

namespace incident {
namespace {

bool is_made_id(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

const auto kWhen = std::chrono::system_clock::time_point(
    std::chrono::microseconds(1796351458123456LL));  // 2026-12-04T02:30:58.123456Z

RequestTrace trace_of(std::string path, std::string token) {
  RequestTrace trace;
  trace.id = "abc-1";
  trace.client = "10.1.2.3";
  trace.method = "GET";
  trace.path = std::move(path);
  trace.route_pattern = "/api/incident/:id";
  trace.token = std::move(token);
  return trace;
}

TEST(AccessLogTest, TextLinesAreKeyValuePairs) {
  EXPECT_EQ(access_log_line(AccessLogFormat::text, trace_of("/api/incident/7", "ops"),
                            RequestOutcome{200, 512, 153}, kWhen),
            "2026-12-04T02:30:58.123456Z ACCESS request_id=abc-1 client=10.1.2.3 token=ops "
            "method=GET route=/api/incident/:id path=/api/incident/7 status=200 bytes=512 "
            "duration_us=153\n");
}

TEST(AccessLogTest, TextValuesThatCouldSplitALineAreQuoted) {
  auto line = access_log_line(AccessLogFormat::text, trace_of("/a b=\"c\"\n", "night shift"),
                              RequestOutcome{404, 1, 2}, kWhen);
  EXPECT_NE(line.find(" token=\"night shift\" "), std::string::npos) << line;
  EXPECT_NE(line.find(" path=\"/a b=\\\"c\\\"\\u000a\" "), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto anonymous =
      access_log_line(AccessLogFormat::text, trace_of("/x", ""), RequestOutcome{200, 1, 2}, kWhen);
  EXPECT_NE(anonymous.find(" token=- "), std::string::npos);
}

TEST(AccessLogTest, TheFastLayoutIsTheSameLineOrNoneAtAll) {
  char buffer[512];
  for (auto format : {AccessLogFormat::text, AccessLogFormat::json})
    for (const auto& token : {std::string("ops"), std::string()}) {
      auto trace = trace_of("/api/incident/7", token);
      RequestOutcome outcome{200, 512, 153};
      EXPECT_EQ(format_access_log_line(buffer, sizeof buffer, format, trace, outcome, kWhen),
                access_log_line(format, trace, outcome, kWhen));
    }
  // Something to escape, or no room: none, and the general way makes it.
  RequestOutcome outcome{404, 1, 2};
  EXPECT_TRUE(format_access_log_line(buffer, sizeof buffer, AccessLogFormat::text,
                                     trace_of("/a b", "ops"), outcome, kWhen)
                  .empty());
  EXPECT_TRUE(format_access_log_line(buffer, sizeof buffer, AccessLogFormat::json,
                                     trace_of("/\xc3\xa9", "ops"), outcome, kWhen)
                  .empty());
  EXPECT_TRUE(format_access_log_line(buffer, sizeof buffer, AccessLogFormat::text,
                                     trace_of("/x", "night shift"), outcome, kWhen)
                  .empty());
  EXPECT_TRUE(format_access_log_line(buffer, 100, AccessLogFormat::text,
                                     trace_of("/api/incident/7", "ops"), outcome, kWhen)
                  .empty());
  auto empty_path = trace_of("", "ops");
  EXPECT_TRUE(format_access_log_line(buffer, sizeof buffer, AccessLogFormat::text, empty_path,
                                     outcome, kWhen)
                  .empty());  // an empty value is quoted ("")
}

TEST(AccessLogTest, JsonLinesParseEvenWithInvalidUtf8) {
  auto line = access_log_line(AccessLogFormat::json, trace_of("/x\xff\xc3\xa9", ""),
                              RequestOutcome{400, 10, 20}, kWhen);
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["time"], "2026-12-04T02:30:58.123456Z");
  EXPECT_EQ(parsed["type"], "access");
  EXPECT_EQ(parsed["request_id"], "abc-1");
  EXPECT_TRUE(parsed["token"].is_null());
  EXPECT_EQ(parsed["path"], "/x\xef\xbf\xbd\xc3\xa9");  // U+FFFD, then a valid é
  EXPECT_EQ(parsed["status"], 400);
  EXPECT_EQ(parsed["bytes"], 10);
  EXPECT_EQ(parsed["duration_us"], 20);
}

TEST(AccessLogTest, FormatsParseByName) {
  EXPECT_EQ(parse_access_log_format("json"), AccessLogFormat::json);
  EXPECT_EQ(parse_access_log_format("off"), AccessLogFormat::off);
  EXPECT_FALSE(parse_access_log_format("JSON"));
}

TEST(RequestIdTest, KeepsSaneIdsAndReplacesOthers) {
  EXPECT_EQ(request_id_for(std::string("req-1_a.b:c/d+e=f@g")), "req-1_a.b:c/d+e=f@g");
  for (const std::string& insane : {std::string(""), std::string(129, 'x'), std::string("a b"),
                                    std::string("a\"b"), std::string("\xc3\xa9")})
    EXPECT_TRUE(is_made_id(request_id_for(insane))) << insane;
  EXPECT_TRUE(is_made_id(request_id_for(std::nullopt)));
  EXPECT_NE(new_request_id(), new_request_id());
  EXPECT_TRUE(sane_request_id(std::string(128, 'x')));
}

/// A pipe, both ends closed at the end of the test.
struct Pipe {
  Pipe() { EXPECT_EQ(::pipe(ends), 0); }
  ~Pipe() {
    ::close(ends[0]);
    ::close(ends[1]);
  }
  std::string read_all() {
    std::string text;
    char buffer[4096];
    ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
    for (ssize_t n; (n = ::read(ends[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    return text;
  }
  int ends[2];
};

TEST(LineWriterTest, DropsAndCountsLinesPastItsBound) {
  Pipe pipe;
  LineWriter writer(pipe.ends[1], 8);
  EXPECT_FALSE(writer.push("a line longer than eight bytes\n"));
  EXPECT_EQ(writer.dropped(), 1u);
  EXPECT_TRUE(writer.push("ok\n"));
  writer.close();
  EXPECT_EQ(pipe.read_all(), "ok\n");
}

TEST(LineWriterTest, WritesEveryLineInOrder) {
  Pipe pipe;
  std::string expected;
  {
    LineWriter writer(pipe.ends[1]);
    for (int i = 0; i < 1000; ++i) {
      std::string line = "line " + std::to_string(i) + "\n";
      expected += line;
      EXPECT_TRUE(writer.push(line, i % 100 == 0));
    }
  }
  EXPECT_EQ(pipe.read_all(), expected);
}

TEST(LineWriterTest, AReaderThatStopsReadingCostsLinesNeverAWait) {
  Pipe pipe;  // nobody reads it: it fills at 64 KiB
  auto started = std::chrono::steady_clock::now();
  {
    LineWriter writer(pipe.ends[1], 256 * 1024);
    const std::string line(199, 'x');
    for (int i = 0; i < 20000; ++i) writer.push(line + "\n");  // 4 MB
    EXPECT_GT(writer.dropped(), 0u);
  }  // closing gives up on the blocked output within about a second
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(4));
}

}  // namespace
}  // namespace incident
