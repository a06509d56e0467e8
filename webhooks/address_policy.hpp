// The address policy against server-side request forgery: a webhook URL is
// chosen by a client, so the server must never deliver to itself, its private
// network or a cloud metadata service. Judged on every resolved address.
#pragma once

#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace incident::webhooks {

/// nullopt for a public unicast address (IPv4 or IPv6); otherwise why it is
/// forbidden: "loopback", "private", "link-local", "metadata", "unspecified",
/// "multicast", "reserved", or "unsupported address family" (also for null).
/// An IPv6 address that embeds an IPv4 one (mapped, compatible, NAT64,
/// 6to4) is judged by the IPv4 address, as that is where packets would go.
std::optional<std::string> forbidden_address_reason(const struct sockaddr* address);

/// The same judgement for a URL host before any resolution: an IPv4 literal
/// (dotted, or any form the C resolver reads as one, such as "127.1"), an
/// IPv6 literal with or without brackets, or "localhost" / "*.localhost"
/// (any case, trailing dot allowed), which is "loopback". nullopt for a host
/// name to resolve, or a public literal.
std::optional<std::string> forbidden_literal_host_reason(std::string_view host);

}  // namespace incident::webhooks
