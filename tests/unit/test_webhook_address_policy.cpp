// The address policy against SSRF: every forbidden range with the addresses
// just inside and just outside it, IPv6 forms that embed an IPv4 address,
// and URL hosts that are literals or localhost names.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "webhooks/address_policy.hpp"

namespace incident::webhooks {
namespace {

struct Case {
  const char* address;
  const char* reason;  // nullptr: public
};

std::optional<std::string> expected(const Case& c) {
  return c.reason ? std::optional<std::string>(c.reason) : std::nullopt;
}

// The reason for an address as the resolver would hand it over.
std::optional<std::string> reason_for(const std::string& text) {
  sockaddr_storage storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(443);
  } else if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(443);
  } else {
    ADD_FAILURE() << "not an address: " << text;
  }
  return forbidden_address_reason(reinterpret_cast<const sockaddr*>(&storage));
}

void expect_reasons(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(reason_for(c.address), expected(c)) << c.address;
    EXPECT_EQ(forbidden_literal_host_reason(c.address), expected(c)) << "host " << c.address;
  }
}

TEST(WebhookAddressPolicy, JudgesEachIpv4RangeAndItsBoundaries) {
  expect_reasons({
      {"127.0.0.1", "loopback"},
      {"127.255.255.255", "loopback"},
      {"126.255.255.255", nullptr},
      {"128.0.0.0", nullptr},
      {"10.0.0.0", "private"},
      {"10.255.255.255", "private"},
      {"9.255.255.255", nullptr},
      {"11.0.0.0", nullptr},
      {"172.15.255.255", nullptr},
      {"172.16.0.0", "private"},
      {"172.31.255.255", "private"},
      {"172.32.0.0", nullptr},
      {"192.168.0.0", "private"},
      {"192.168.255.255", "private"},
      {"192.167.255.255", nullptr},
      {"192.169.0.0", nullptr},
      {"100.63.255.255", nullptr},
      {"100.64.0.0", "private"},
      {"100.127.255.255", "private"},
      {"100.128.0.0", nullptr},
      {"169.254.0.0", "link-local"},
      {"169.254.255.255", "link-local"},
      {"169.253.255.255", nullptr},
      {"169.255.0.0", nullptr},
      {"169.254.169.254", "metadata"},
      {"169.254.169.253", "link-local"},
      {"169.254.169.255", "link-local"},
      {"168.63.129.16", "metadata"},  // Azure's wire server, public otherwise
      {"168.63.129.15", nullptr},
      {"168.63.129.17", nullptr},
      {"0.0.0.0", "unspecified"},
      {"0.255.255.255", "unspecified"},
      {"1.0.0.0", nullptr},
      {"224.0.0.0", "multicast"},
      {"239.255.255.255", "multicast"},
      {"223.255.255.255", nullptr},
      {"240.0.0.0", "reserved"},
      {"254.1.2.3", "reserved"},
      {"255.255.255.255", "reserved"},
      {"192.0.0.0", "reserved"},
      {"192.0.0.255", "reserved"},
      {"191.255.255.255", nullptr},
      {"192.0.1.0", nullptr},
      {"198.18.0.0", "reserved"},
      {"198.19.255.255", "reserved"},
      {"198.17.255.255", nullptr},
      {"198.20.0.0", nullptr},
      {"192.0.2.0", "reserved"},
      {"192.0.2.255", "reserved"},
      {"192.0.3.0", nullptr},
      {"198.51.100.1", "reserved"},
      {"198.51.99.255", nullptr},
      {"198.51.101.0", nullptr},
      {"203.0.113.7", "reserved"},
      {"203.0.112.255", nullptr},
      {"203.0.114.0", nullptr},
      {"8.8.8.8", nullptr},
      {"1.1.1.1", nullptr},
      {"93.184.216.34", nullptr},
  });
}

TEST(WebhookAddressPolicy, JudgesEachIpv6Range) {
  expect_reasons({
      {"::1", "loopback"},
      {"::", "unspecified"},
      {"fc00::", "private"},
      {"fd12:3456::1", "private"},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private"},
      {"fbff:ffff::1", nullptr},
      {"fe00::1", nullptr},
      {"fec0::1", "private"},  // deprecated site-local
      {"fe80::1", "link-local"},
      {"febf:ffff::1", "link-local"},
      {"fe7f:ffff::1", nullptr},
      {"fd00:ec2::254", "metadata"},
      {"fd00:ec2::253", "private"},
      {"ff02::1", "multicast"},
      {"ff00::", "multicast"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"},
      {"2001:db8::1", "reserved"},
      {"2001:db8:ffff:ffff::1", "reserved"},
      {"2001:db7:ffff::1", nullptr},
      {"2001:db9::1", nullptr},
      {"100::1", "reserved"},  // discard-only
      {"100:0:0:1::1", nullptr},
      {"2606:4700::1111", nullptr},
      {"2001:4860:4860::8888", nullptr},
  });
}

TEST(WebhookAddressPolicy, JudgesAnIpv6AddressThatEmbedsAnIpv4OneByTheIpv4Address) {
  expect_reasons({
      {"::ffff:127.0.0.1", "loopback"},  // IPv4-mapped
      {"::ffff:10.1.2.3", "private"},
      {"::ffff:169.254.169.254", "metadata"},
      {"::ffff:168.63.129.16", "metadata"},
      {"::ffff:0.0.0.0", "unspecified"},
      {"::ffff:8.8.8.8", nullptr},
      {"::127.0.0.1", "loopback"},  // IPv4-compatible
      {"::10.0.0.1", "private"},
      {"::2", "unspecified"},  // 0.0.0.2
      {"::8.8.8.8", nullptr},
      {"64:ff9b::127.0.0.1", "loopback"},  // NAT64
      {"64:ff9b::a9fe:a9fe", "metadata"},
      {"64:ff9b::192.168.1.1", "private"},
      {"64:ff9b::8.8.8.8", nullptr},
      {"64:ff9b:1::1", "private"},    // local-use NAT64
      {"2002:7f00:1::", "loopback"},  // 6to4 of 127.0.0.1
      {"2002:a9fe:a9fe::1", "metadata"},
      {"2002:808:808::1", nullptr},
  });
}

TEST(WebhookAddressPolicy, RefusesOtherAddressFamilies) {
  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  std::strcpy(local.sun_path, "/tmp/socket");
  EXPECT_EQ(forbidden_address_reason(reinterpret_cast<const sockaddr*>(&local)),
            "unsupported address family");
  EXPECT_EQ(forbidden_address_reason(nullptr), "unsupported address family");
}

TEST(WebhookAddressPolicy, LocalhostNamesAreLoopback) {
  for (const char* host : {"localhost", "LOCALHOST", "LocalHost.", "localhost.", "api.localhost",
                           "a.b.LocalHost.", ".localhost"})
    EXPECT_EQ(forbidden_literal_host_reason(host), "loopback") << host;
  for (const char* host : {"localhost.example.com", "notlocalhost", "mylocalhost.", "localhost..",
                           "local", "example.com", "hooks.example.org."})
    EXPECT_EQ(forbidden_literal_host_reason(host), std::nullopt) << host;
}

TEST(WebhookAddressPolicy, ReadsBracketedAndBareIpv6Literals) {
  EXPECT_EQ(forbidden_literal_host_reason("[::1]"), "loopback");
  EXPECT_EQ(forbidden_literal_host_reason("[::ffff:127.0.0.1]"), "loopback");
  EXPECT_EQ(forbidden_literal_host_reason("[fd00:ec2::254]"), "metadata");
  EXPECT_EQ(forbidden_literal_host_reason("[2606:4700::1111]"), std::nullopt);
  EXPECT_EQ(forbidden_literal_host_reason("[not-an-address]"), std::nullopt);
  EXPECT_EQ(forbidden_literal_host_reason("[]"), std::nullopt);
  EXPECT_EQ(forbidden_literal_host_reason(""), std::nullopt);
}

TEST(WebhookAddressPolicy, ReadsEveryIpv4SpellingTheResolverAccepts) {
  // getaddrinfo reads these as 127.0.0.1 (or 0.0.0.10): so must the policy.
  for (const char* host : {"127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1"})
    EXPECT_EQ(forbidden_literal_host_reason(host), "loopback") << host;
  EXPECT_EQ(forbidden_literal_host_reason("10"), "unspecified");
  EXPECT_EQ(forbidden_literal_host_reason("0xa9.0xfe.0xa9.0xfe"), "metadata");
  EXPECT_EQ(forbidden_literal_host_reason("2822734096"), "metadata");  // 168.63.129.16
  EXPECT_EQ(forbidden_literal_host_reason("1.2.3.4.5"), std::nullopt);
  EXPECT_EQ(forbidden_literal_host_reason("8.8.8.8"), std::nullopt);
}

}  // namespace
}  // namespace incident::webhooks
