// Standard Webhooks signatures: the reference vector of the specification,
// signing with two secrets during a rotation, tampering, and the secrets.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "webhooks/signature.hpp"

namespace incident::webhooks {
namespace {

// The test vector of the Standard Webhooks specification and its libraries.
const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kMessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
const std::string kBody = R"({"test": 2432232314})";
const std::string kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(WebhookSignature, MatchesTheStandardWebhooksReferenceVector) {
  EXPECT_EQ(webhook_signature(kSecret, kMessageId, kTimestamp, kBody), kSignature);
  EXPECT_TRUE(verify_webhook_signature(kSignature, kSecret, kMessageId, kTimestamp, kBody));
}

TEST(WebhookSignature, TheWhsecPrefixIsOptional) {
  const std::string bare = kSecret.substr(6);
  EXPECT_EQ(webhook_signature(bare, kMessageId, kTimestamp, kBody), kSignature);
  EXPECT_EQ(webhook_secret_key(bare), webhook_secret_key(kSecret));
}

TEST(WebhookSignature, TwoSecretsGiveTwoSignaturesThatEachVerify) {
  const std::string other = new_webhook_secret();
  const std::string header =
      webhook_signature_header({kSecret, other}, kMessageId, kTimestamp, kBody);
  EXPECT_EQ(header, kSignature + " " + webhook_signature(other, kMessageId, kTimestamp, kBody));
  EXPECT_EQ(std::count(header.begin(), header.end(), ' '), 1);
  EXPECT_TRUE(verify_webhook_signature(header, kSecret, kMessageId, kTimestamp, kBody));
  EXPECT_TRUE(verify_webhook_signature(header, other, kMessageId, kTimestamp, kBody));
  EXPECT_FALSE(
      verify_webhook_signature(header, new_webhook_secret(), kMessageId, kTimestamp, kBody));
}

TEST(WebhookSignature, OneSecretGivesOneSignatureAndNoneGivesAnEmptyHeader) {
  EXPECT_EQ(webhook_signature_header({kSecret}, kMessageId, kTimestamp, kBody), kSignature);
  EXPECT_EQ(webhook_signature_header({}, kMessageId, kTimestamp, kBody), "");
}

TEST(WebhookSignature, ATamperedBodyTimestampOrIdFails) {
  EXPECT_FALSE(verify_webhook_signature(kSignature, kSecret, kMessageId, kTimestamp,
                                        R"({"test": 2432232315})"));
  EXPECT_FALSE(verify_webhook_signature(kSignature, kSecret, kMessageId, kTimestamp, kBody + " "));
  EXPECT_FALSE(verify_webhook_signature(kSignature, kSecret, kMessageId, kTimestamp + 1, kBody));
  EXPECT_FALSE(verify_webhook_signature(kSignature, kSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK",
                                        kTimestamp, kBody));
}

TEST(WebhookSignature, ATamperedOrMalformedHeaderFails) {
  std::string flipped = kSignature;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  for (const std::string& header :
       {flipped, std::string("v2,") + kSignature.substr(3), kSignature.substr(3), kSignature + "=",
        kSignature.substr(0, kSignature.size() - 1), std::string("v1,"), std::string(""),
        std::string("  "), kSignature.substr(0, 10) + " " + kSignature.substr(10)})
    EXPECT_FALSE(verify_webhook_signature(header, kSecret, kMessageId, kTimestamp, kBody))
        << header;
}

TEST(WebhookSignature, AnyEntryOfTheHeaderMayMatch) {
  for (const std::string& header : {"v1,bm9wZQ== " + kSignature, kSignature + " v1a,xyz",
                                    "v2,abc  " + kSignature + " ", "junk " + kSignature})
    EXPECT_TRUE(verify_webhook_signature(header, kSecret, kMessageId, kTimestamp, kBody)) << header;
}

TEST(WebhookSignature, AnUnusableSecretCannotSignAndVerifiesNothing) {
  EXPECT_THROW(webhook_signature("whsec_", kMessageId, kTimestamp, kBody), std::invalid_argument);
  EXPECT_THROW(webhook_signature_header({kSecret, "not base64!"}, kMessageId, kTimestamp, kBody),
               std::invalid_argument);
  EXPECT_FALSE(verify_webhook_signature(kSignature, "whsec_", kMessageId, kTimestamp, kBody));
}

TEST(WebhookSignature, TheTimestampIsSignedInDecimal) {
  // Negative and large values are signed as written, not as some fixed width.
  const std::string a = webhook_signature(kSecret, kMessageId, -1, kBody);
  const std::string b = webhook_signature(kSecret, kMessageId, 4102444800, kBody);
  EXPECT_NE(a, b);
  EXPECT_TRUE(verify_webhook_signature(a, kSecret, kMessageId, -1, kBody));
  EXPECT_TRUE(verify_webhook_signature(b, kSecret, kMessageId, 4102444800, kBody));
}

TEST(WebhookSecret, ANewSecretIsPrefixedPaddedBase64OfThirtyTwoRandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    const std::string secret = new_webhook_secret();
    ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
    EXPECT_EQ(secret.size(), 6u + 44u) << secret;  // 32 bytes: 43 characters and one '='
    EXPECT_EQ(secret.back(), '=') << secret;
    const auto key = webhook_secret_key(secret);
    ASSERT_TRUE(key) << secret;
    EXPECT_EQ(key->size(), 32u);
    EXPECT_TRUE(seen.insert(secret).second) << "a secret came twice: " << secret;
  }
}

TEST(WebhookSecret, DecodesStrictBase64) {
  EXPECT_EQ(webhook_secret_key("whsec_aGVsbG8="), "hello");
  EXPECT_EQ(webhook_secret_key("aGVsbA=="), "hell");
  EXPECT_EQ(webhook_secret_key("aGVsbG8h"), "hello!");
  EXPECT_EQ(webhook_secret_key("+/+/"), std::string("\xfb\xff\xbf", 3));
  EXPECT_EQ(webhook_secret_key("AAAA"), std::string(3, '\0'));
}

TEST(WebhookSecret, RefusesAnythingElse) {
  for (const char* bad : {"", "whsec_", "whsec", "aGVsbG8", "aGVsbG8==", "aGVs bG8=", " aGVsbG8=",
                          "aGVsbG8=\n", "aGVsbG8-", "aGVs_bG8", "a===", "====", "aG=sbG8=",
                          "aGVsbG9=",  // unused bits set: not the canonical text of any key
                          "aGVsbA=", "whsec_whsec_aGVsbG8=", "WHSEC_aGVsbG8="})
    EXPECT_EQ(webhook_secret_key(bad), std::nullopt) << bad;
  EXPECT_EQ(webhook_secret_key(std::string_view("aGVs\0bG8=", 9)), std::nullopt);
}

}  // namespace
}  // namespace incident::webhooks
