// End-to-end: rate limiting per client in a fixed window kept in Redis: the
// X-RateLimit-* headers on every /api answer, 429 with Retry-After past the
// limit, one counter per token (by jti) and one per address for everyone
// else, and a forged token cannot spend a real token's quota.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "fixtures.hpp"
#include "server_process.hpp"
#include "tokens.hpp"

namespace e2e {
namespace {

using nlohmann::json;

constexpr int kAnonymousLimit = 5;
constexpr int kTokenLimit = 8;
const std::string kSecret = "rate-limit-secret";

class RateLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.binary = incident_api_binary();
    options.secret = kSecret;
    options.extra_args = {"--api-ratelimit-enabled",
                          "--api-ratelimit-default",
                          std::to_string(kAnonymousLimit),
                          "--api-ratelimit-logged",
                          std::to_string(kTokenLimit),
                          "--api-ratelimit-period-hours",
                          "1"};
    server_ = std::make_unique<ServerProcess>(options);
    started_ = server_->start();
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(started_) << server_->failure(); }

  static ApiClient api() { return ApiClient(server_->client()); }
  static std::string token() {
    // Issuing a token is itself an anonymous /api request: count it.
    return issue_token(api(), TokenRequest(kSecret));
  }
  static long long header_number(const Response& response, const std::string& name) {
    return std::stoll("0" + response.header_or_empty(name));
  }

  static std::unique_ptr<ServerProcess> server_;
  static bool started_;
};

std::unique_ptr<ServerProcess> RateLimitTest::server_;
bool RateLimitTest::started_ = false;

TEST_F(RateLimitTest, TokensCountByJtiUpToTheirLimitThen429) {
  std::string first = token(), second = token();
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  std::string jti = jwt_claims(first)["jti"];
  long long now = std::time(nullptr);
  for (int used = 1; used <= kTokenLimit; ++used) {
    Response response = api().get("/api/incident", first);
    ASSERT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(header_number(response, "X-RateLimit-Limit"), kTokenLimit);
    EXPECT_EQ(header_number(response, "X-RateLimit-Used"), used);
    EXPECT_EQ(header_number(response, "X-RateLimit-Remaining"), kTokenLimit - used);
    EXPECT_EQ(response.header_or_empty("X-RateLimit-Client"), jti);
    long long reset = header_number(response, "X-RateLimit-Reset");
    EXPECT_GT(reset, now - 5);
    EXPECT_LE(reset, now + 3600 + 5);
    EXPECT_EQ(reset % 3600, 0) << "a fixed window of one hour";
  }
  Response refused = api().get("/api/incident", first);
  ASSERT_EQ(refused.status, 429) << refused.describe();
  EXPECT_TRUE(names_field(refused.json(), "rate_limit")) << refused.body;
  EXPECT_EQ(header_number(refused, "X-RateLimit-Used"), kTokenLimit + 1);
  EXPECT_EQ(header_number(refused, "X-RateLimit-Remaining"), 0);
  long long retry_after = header_number(refused, "Retry-After");
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3600);
  // Writes are refused too, and nothing is written.
  Response write = api().post_form("/api/scope/create", {{"name", "never"}}, first);
  EXPECT_EQ(write.status, 429) << write.describe();

  Response other = api().get("/api/incident", second);
  EXPECT_EQ(other.status, 200) << "each token has its own counter";
  EXPECT_EQ(header_number(other, "X-RateLimit-Used"), 1);
}

TEST_F(RateLimitTest, AForgedTokenCountsAgainstItsAddressNotTheJtiItClaims) {
  std::string real = token();
  json claims = jwt_claims(real);
  std::string forged = forge_jwt(claims, "not-the-secret");
  Response response = api().get("/api/incident", forged);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.header_or_empty("X-RateLimit-Client"), "127.0.0.1");
  Response genuine = api().get("/api/incident", real);
  EXPECT_EQ(header_number(genuine, "X-RateLimit-Used"), 1);
}

TEST_F(RateLimitTest, HealthIsNotCountedAndAnonymousClientsShareTheirAddress) {
  // The other tests of this executable also spend the address's quota, so
  // spend until refused and check the headers on the way.
  long long last_used = 0;
  Response response;
  for (int i = 0; i < 3 * kAnonymousLimit; ++i) {
    EXPECT_EQ(api().get("/health").header_or_empty("X-RateLimit-Used"), "");
    response = api().get("/api/incident");
    if (response.status == 429) break;
    ASSERT_EQ(response.status, 200) << response.describe();
    EXPECT_EQ(header_number(response, "X-RateLimit-Limit"), kAnonymousLimit);
    EXPECT_EQ(response.header_or_empty("X-RateLimit-Client"), "127.0.0.1");
    EXPECT_GT(header_number(response, "X-RateLimit-Used"), last_used);
    last_used = header_number(response, "X-RateLimit-Used");
  }
  ASSERT_EQ(response.status, 429) << "the anonymous limit was never reached";
  EXPECT_EQ(header_number(response, "X-RateLimit-Remaining"), 0);
  EXPECT_TRUE(response.header("Retry-After").has_value());
  EXPECT_EQ(api().get("/health").status, 200) << "health stays reachable";
}

}  // namespace
}  // namespace e2e
