// Address ranges a webhook must not reach (IANA special-purpose registries,
// RFC 6890 and its updates). Metadata addresses are tested before the
// link-local and private ranges that contain them, to give the sharper reason.
#include "webhooks/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace incident::webhooks {
namespace {

using Reason = std::optional<std::string>;

// A prefix of an IPv4 address in host byte order.
struct Range4 {
  std::uint32_t network;
  int bits;
  const char* reason;
};

constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

constexpr Range4 kRanges4[] = {
    {ip4(169, 254, 169, 254), 32, "metadata"},
    // Azure's wire server (the guest agent, DHCP, health probes): a public
    // address that only a VM inside Azure reaches, and answers as metadata.
    {ip4(168, 63, 129, 16), 32, "metadata"},
    {ip4(0, 0, 0, 0), 8, "unspecified"},
    {ip4(127, 0, 0, 0), 8, "loopback"},
    {ip4(10, 0, 0, 0), 8, "private"},
    {ip4(172, 16, 0, 0), 12, "private"},
    {ip4(192, 168, 0, 0), 16, "private"},
    {ip4(100, 64, 0, 0), 10, "private"},  // carrier-grade NAT
    {ip4(169, 254, 0, 0), 16, "link-local"},
    {ip4(224, 0, 0, 0), 4, "multicast"},
    {ip4(240, 0, 0, 0), 4, "reserved"},    // and the broadcast 255.255.255.255
    {ip4(192, 0, 0, 0), 24, "reserved"},   // IETF protocol assignments
    {ip4(198, 18, 0, 0), 15, "reserved"},  // benchmarking
    {ip4(192, 0, 2, 0), 24, "reserved"},   // documentation: TEST-NET-1..3
    {ip4(198, 51, 100, 0), 24, "reserved"},
    {ip4(203, 0, 113, 0), 24, "reserved"},
};

Reason ipv4_reason(std::uint32_t address) {
  for (const auto& range : kRanges4) {
    const std::uint32_t mask = range.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - range.bits);
    if ((address & mask) == range.network) return std::string(range.reason);
  }
  return std::nullopt;
}

// A prefix of an IPv6 address, as the bytes that must match.
struct Range6 {
  unsigned char prefix[16];
  int bits;
  const char* reason;
};

constexpr Range6 kRanges6[] = {
    {{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128, "metadata"},
    {{0}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "private"},  // local-use NAT64
    {{0xfc}, 7, "private"},                                 // unique local
    {{0xfe, 0xc0}, 10, "private"},                          // deprecated site-local
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xff}, 8, "multicast"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "reserved"},  // documentation
    {{0x01, 0x00}, 64, "reserved"},              // discard-only
};

bool has_prefix(const unsigned char* address, const Range6& range) {
  const int whole = range.bits / 8, rest = range.bits % 8;
  if (std::memcmp(address, range.prefix, static_cast<std::size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (address[whole] & mask) == (range.prefix[whole] & mask);
}

std::uint32_t ipv4_at(const unsigned char* bytes) {
  return ip4(bytes[0], bytes[1], bytes[2], bytes[3]);
}

// Where an IPv6 address carries an IPv4 one that packets would end up at:
// mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16.
std::optional<std::uint32_t> embedded_ipv4(const unsigned char* a) {
  static constexpr unsigned char kZero[12] = {};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr unsigned char kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (std::memcmp(a, kZero, 12) == 0 || std::memcmp(a, kMapped, 12) == 0 ||
      std::memcmp(a, kNat64, 12) == 0)
    return ipv4_at(a + 12);
  if (a[0] == 0x20 && a[1] == 0x02) return ipv4_at(a + 2);
  return std::nullopt;
}

Reason ipv6_reason(const unsigned char* address) {
  // Exact addresses first: ::, ::1 and the metadata address are not judged
  // as the IPv4-compatible 0.0.0.0 or 0.0.0.1 they also look like.
  for (const auto& range : kRanges6)
    if (range.bits == 128 && has_prefix(address, range)) return std::string(range.reason);
  if (const auto ipv4 = embedded_ipv4(address)) return ipv4_reason(*ipv4);
  for (const auto& range : kRanges6)
    if (has_prefix(address, range)) return std::string(range.reason);
  return std::nullopt;
}

bool is_localhost_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string lower(host);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  // ".localhost" names are loopback by RFC 6761, and resolvers answer so.
  constexpr std::string_view kName = "localhost", kSuffix = ".localhost";
  return lower == kName ||
         (lower.size() >= kSuffix.size() &&
          lower.compare(lower.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0);
}

}  // namespace

std::optional<std::string> forbidden_address_reason(const struct sockaddr* address) {
  if (address != nullptr && address->sa_family == AF_INET) {
    sockaddr_in v4;
    std::memcpy(&v4, address, sizeof v4);  // the caller's storage may be unaligned
    return ipv4_reason(ntohl(v4.sin_addr.s_addr));
  }
  if (address != nullptr && address->sa_family == AF_INET6) {
    sockaddr_in6 v6;
    std::memcpy(&v6, address, sizeof v6);
    return ipv6_reason(v6.sin6_addr.s6_addr);
  }
  return std::string("unsupported address family");
}

std::optional<std::string> forbidden_literal_host_reason(std::string_view host) {
  if (is_localhost_name(host)) return std::string("loopback");
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string text(host);  // inet_pton needs a terminated string
  in_addr v4{};
  // inet_aton also reads "127.1", "0x7f.1" and "2130706433", as getaddrinfo
  // does: judged here too, so no spelling of an address slips past.
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_aton(text.c_str(), &v4) != 0)
    return ipv4_reason(ntohl(v4.s_addr));
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return ipv6_reason(v6.s6_addr);
  return std::nullopt;
}

}  // namespace incident::webhooks
