#include <gtest/gtest.h>

#include <map>

#include "domain/rate_window.hpp"

namespace incident {
namespace {

std::map<std::string, std::string> as_map(
    const std::vector<std::pair<std::string, std::string>>& v) {
  return {v.begin(), v.end()};
}

TEST(RateWindowTest, WindowsAreFixedAndAligned) {
  EXPECT_EQ(rate_window(7200, 3600).start, 7200);
  EXPECT_EQ(rate_window(7200, 3600).reset, 10800);
  EXPECT_EQ(rate_window(10799, 3600).start, 7200);
  EXPECT_EQ(rate_window(10800, 3600).start, 10800);
}

TEST(RateWindowTest, HeadersWithinTheLimit) {
  RateCount count{"jti-1", 10, 4, rate_window(7300, 3600)};
  auto headers = as_map(rate_headers(count, 7300));
  EXPECT_EQ(headers["X-RateLimit-Limit"], "10");
  EXPECT_EQ(headers["X-RateLimit-Used"], "4");
  EXPECT_EQ(headers["X-RateLimit-Remaining"], "6");
  EXPECT_EQ(headers["X-RateLimit-Reset"], "10800");
  EXPECT_EQ(headers["X-RateLimit-Client"], "jti-1");
  EXPECT_EQ(headers.count("Retry-After"), 0u);
  EXPECT_FALSE(count.exceeded());
}

TEST(RateWindowTest, AtTheLimitNothingRemainsAndPastItRetryAfterCountsDown) {
  RateCount at{"a", 10, 10, rate_window(7300, 3600)};
  EXPECT_FALSE(at.exceeded());
  EXPECT_EQ(at.remaining(), 0);
  RateCount past{"a", 10, 11, rate_window(7300, 3600)};
  EXPECT_TRUE(past.exceeded());
  EXPECT_EQ(past.remaining(), 0);
  EXPECT_EQ(as_map(rate_headers(past, 7300))["Retry-After"], "3500");
  EXPECT_EQ(as_map(rate_headers(past, 10800))["Retry-After"], "1") << "never 0";
}

}  // namespace
}  // namespace incident
