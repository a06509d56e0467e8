// Webhook URLs: what validate_webhook_url takes apart, and each URL it
// refuses with the reason a client sees under `url`.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "webhooks/subscription.hpp"

namespace incident::webhooks {
namespace {

using test::reasons_of;
using test::repeat;

TEST(WebhookUrl, TakesTheUrlApart) {
  auto url = validate_webhook_url("HTTPS://Hooks.Example.COM/a/b?x=1&y=%20");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "hooks.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/a/b?x=1&y=%20");
  url = validate_webhook_url("http://example.com");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  url = validate_webhook_url("http://example.com:8080?q");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/?q");
  url = validate_webhook_url("https://[2606:4700::1111]:8443/hook");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "2606:4700::1111");
  EXPECT_EQ(url->port, 8443);
  url = validate_webhook_url("http://[::1]");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 80);
  url = validate_webhook_url("http://192.0.2.10:1/x@y");  // '@' in the path is no userinfo
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "192.0.2.10");
  EXPECT_EQ(url->port, 1);
  EXPECT_EQ(url->target, "/x@y");
  EXPECT_TRUE(validate_webhook_url("https://example.com.:65535/").ok());
  EXPECT_TRUE(validate_webhook_url("https://my_host-1.example/").ok());
  EXPECT_TRUE(validate_webhook_url("https://ex.ample.2com/").ok());
}

TEST(WebhookUrl, RefusesEachBadUrlWithItsReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"ftp://example.com/", "The scheme must be http or https."},
      {"example.com/hook", "The scheme must be http or https."},
      {"http:/example.com/", "The scheme must be http or https."},
      {"httpx://example.com/", "The scheme must be http or https."},
      {"//example.com/", "The scheme must be http or https."},
      {"http://", "A host is required."},
      {"http:///path", "A host is required."},
      {"http://:80/", "A host is required."},
      {"http://?q", "A host is required."},
      {"http://user@example.com/", "No user information (user@) allowed."},
      {"http://user:pass@example.com/", "No user information (user@) allowed."},
      {"http://@example.com/", "No user information (user@) allowed."},
      {"http://example.com/#top", "No fragment (#) allowed."},
      {"http://example.com#", "No fragment (#) allowed."},
      {"http://example.com:0/", "Not a valid port: expected 1 to 65535."},
      {"http://example.com:65536/", "Not a valid port: expected 1 to 65535."},
      {"http://example.com:/", "Not a valid port: expected 1 to 65535."},
      {"http://example.com:8o/", "Not a valid port: expected 1 to 65535."},
      {"http://example.com:-1/", "Not a valid port: expected 1 to 65535."},
      {"http://example.com:99999999999999999999/", "Not a valid port: expected 1 to 65535."},
      {"http://[::1]:0/", "Not a valid port: expected 1 to 65535."},
      {"http://[::1]x/", "Not a valid host."},
      {"http://[::1/", "Not a valid IPv6 address."},
      {"http://[]/", "Not a valid IPv6 address."},
      {"http://[example.com]/", "Not a valid IPv6 address."},
      {"http://[fe80::1%25eth0]/", "Not a valid IPv6 address."},
      {"http://::1/", "A host is required."},
      {"http://exa%6dple.com/", "Not a valid host name."},
      {"http://exa!mple.com/", "Not a valid host name."},
      {"http://127.1/", "Not a valid IPv4 address."},
      {"http://2130706433/", "Not a valid IPv4 address."},
      {"http://0x7f.1/", "Not a valid IPv4 address."},
      {"http://1.2.3.4.5/", "Not a valid IPv4 address."},
      {"http://256.1.1.1/", "Not a valid IPv4 address."},
      {"http://example.0x10/", "Not a valid IPv4 address."},
      {"http://1.2.3.4./", "Not a valid IPv4 address."},
      {"http://exa mple.com/", "Only printable ASCII, no spaces: percent-encode anything else."},
      {"http://example.com/a b", "Only printable ASCII, no spaces: percent-encode anything else."},
      {"http://example.com/\t", "Only printable ASCII, no spaces: percent-encode anything else."},
      {"http://example.com/\x7f", "Only printable ASCII, no spaces: percent-encode anything else."},
      {"http://ex\xc3\xa4mple.com/",
       "Only printable ASCII, no spaces: percent-encode anything else."},
      {std::string("http://example.com/\0", 20),
       "Only printable ASCII, no spaces: percent-encode anything else."},
      {"", "The scheme must be http or https."},
  };
  for (const auto& [url, why] : cases) {
    const auto result = validate_webhook_url(url);
    ASSERT_FALSE(result.ok()) << url;
    EXPECT_EQ(result.error().kind, ErrorKind::invalid);
    EXPECT_EQ(result.error().reasons, (Reasons{{"url", {why}}})) << url;
  }
}

TEST(WebhookUrl, IsAtMost2048Bytes) {
  const std::string head = "https://example.com/";
  EXPECT_TRUE(validate_webhook_url(head + repeat("a", 2048 - head.size())).ok());
  EXPECT_EQ(reasons_of(validate_webhook_url(head + repeat("a", 2049 - head.size()))),
            (Reasons{{"url", {"At most 2048 bytes."}}}));
}

}  // namespace
}  // namespace incident::webhooks
