// Token verification, including the cache of verified tokens: a token seen
// before is accepted without a new signature check only while it is current.
#include <gtest/gtest.h>

#include "http/auth.hpp"

namespace incident {
namespace {

constexpr std::int64_t kNow = 1800000000;

std::string issue(const TokenService& tokens, const std::string& not_before,
                  const std::string& expiration) {
  FieldMap form;
  add_text(form, "secret", "unit-secret");
  add_text(form, "name", "unit");
  add_text(form, "permission", "incident_api");
  if (!not_before.empty()) add_text(form, "not_before_date", not_before);
  if (!expiration.empty()) add_text(form, "expiration_date", expiration);
  auto token = tokens.create(form, kNow);
  EXPECT_TRUE(token.ok());
  return token.ok() ? *token : "";
}

TEST(TokenServiceTest, AVerifiedTokenStaysAcceptedWhileCurrentAndNotAfter) {
  TokenService tokens("unit-secret", "ProdManager");
  // 2027-01-15T08:00 is 1800000000 seconds; valid until one hour later.
  std::string token = issue(tokens, "", "2027-01-15T09:00");
  auto first = tokens.authenticate("Bearer " + token, kNow);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->may("incident_api"));
  auto again = tokens.authenticate("Bearer " + token, kNow + 60);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->jti, first->jti);
  auto expired = tokens.authenticate("Bearer " + token, kNow + 3 * 3600);
  ASSERT_FALSE(expired.ok()) << "a cached token must not outlive its exp";
  EXPECT_EQ(expired.error().kind, ErrorKind::unauthenticated);
}

TEST(TokenServiceTest, ANotYetValidTokenIsRefusedEvenOnceVerifiedLater) {
  TokenService tokens("unit-secret", "ProdManager");
  std::string token = issue(tokens, "2027-01-15T09:00", "2027-01-15T12:00");
  EXPECT_FALSE(tokens.authenticate("Bearer " + token, kNow).ok());
  EXPECT_TRUE(tokens.authenticate("Bearer " + token, kNow + 2 * 3600).ok());
  EXPECT_FALSE(tokens.authenticate("Bearer " + token, kNow).ok())
      << "the cache does not bypass nbf";
}

TEST(TokenServiceTest, AnotherSecretNeverSharesTheCache) {
  TokenService ours("unit-secret", "ProdManager");
  TokenService theirs("other-secret", "ProdManager");
  std::string token = issue(ours, "", "");
  ASSERT_TRUE(ours.authenticate("Bearer " + token, kNow).ok());
  EXPECT_FALSE(theirs.authenticate("Bearer " + token, kNow).ok());
}

}  // namespace
}  // namespace incident
