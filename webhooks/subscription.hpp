// Webhook subscriptions: what a client registers (a URL, the events it wants,
// filters), how requests to create or change one are checked, how one is
// shown and stored, and which change-feed messages it receives, as what body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/fields.hpp"
#include "domain/result.hpp"

namespace incident::webhooks {

inline constexpr std::size_t kWebhookUrlMax = 2048;  // bytes
/// Secrets replaced by rotations that are kept signing at once, newest first:
/// each adds a signature to every delivery, so a run of rotations cannot
/// grow the header without bound (a fourth rotation within 24 h ends the
/// oldest one's window early).
inline constexpr std::size_t kMaxPreviousSecrets = 3;

/// A secret replaced by a rotation: it still signs until `expires_ms`.
struct PreviousSecret {
  std::string secret;
  std::int64_t expires_ms = 0;  // Unix milliseconds

  bool operator==(const PreviousSecret& other) const {
    return secret == other.secret && expires_ms == other.expires_ms;
  }
};

struct Subscription {
  std::int64_t id = 0;
  std::string url;
  std::string description;                        // "" when none
  std::vector<std::string> events;                // e.g. "incident.created", "scope.*"
  std::vector<std::int64_t> scopes, services;     // empty: any
  std::vector<std::string> severities, statuses;  // empty: any; incident events only
  bool internal = false;  // receives internal events and comments, and `changes`
  bool enabled = true;
  std::string secret;
  std::vector<PreviousSecret> previous_secrets;  // newest first; each signs until it expires
  std::string created_at, updated_at;
  std::string disabled_reason;   // why the server disabled it; "" when none
  std::int64_t failure_run = 0;  // consecutive failed deliveries
  /// The change stream's last id when it was made or enabled again: it gets
  /// only later changes (a replay aside). "" (an older version's): any.
  std::string starts_after;

  bool operator==(const Subscription& other) const;
};

/// A webhook URL taken apart, for the sender.
struct WebhookUrl {
  std::string scheme;  // "http" or "https", lower case
  std::string host;    // lower case; an IPv6 literal without its brackets
  int port = 0;        // the given one, or 80 / 443
  std::string target;  // path and query, "/" when empty
};

/// An absolute http(s) URL (scheme in any case) of printable ASCII, at most
/// 2048 bytes, with a host, no user information, no fragment, a port in
/// 1..65535 if any; a host whose last label is numeric must be a dotted-quad
/// IPv4 address (as browsers require), a bracketed host an IPv6 address.
/// Otherwise a 400 naming `url`. Says nothing of where the host points:
/// that is the address policy's job (address_policy.hpp).
Result<WebhookUrl> validate_webhook_url(std::string_view url);

/// A subscription from the fields of a create request: `url` (required),
/// `description`, and the repeatable `event`, `scope`, `service`, `severity`,
/// `status` (a JSON array or repeated form fields; at most 50 values each),
/// `internal` and `enabled` (booleans as the project reads them; enabled by
/// default). No `event` means every incident event ("incident.*"). A 400
/// naming every bad field. The id, secret and dates are the caller's to set.
Result<Subscription> validate_webhook_create(const FieldMap& fields);

/// `current` changed by the fields of an update: an absent field keeps its
/// value; an empty list (`[]`, or one empty form value) clears a filter and
/// gives `event` its default back; an empty description clears it. Enabling
/// a disabled subscription forgets why it was disabled and its failure run.
Result<Subscription> apply_webhook_update(Subscription current, const FieldMap& fields);

/// The subscription as the API shows it; the secret only when `with_secret`
/// (in the answer to its creation or a rotation).
nlohmann::json webhook_to_json(const Subscription& subscription, bool with_secret);

/// The stored form (JSON), secrets and delivery state included.
std::string encode_subscription(const Subscription& subscription);
/// nullopt when `text` is not a stored subscription (an object of the right
/// field types) with an id and a URL, or when a secret or previous secret is
/// set but unusable (webhook_secret_key). Absent fields keep their defaults; an
/// empty secret is allowed (a store may keep secrets apart from the settings).
std::optional<Subscription> decode_subscription(std::string_view text);

/// The body to deliver for a change-feed message, or nullopt when the
/// subscription is disabled or does not take it: its type is not among the
/// events (wildcards included), or an incident event's incident is outside a
/// non-empty scope, service, severity or status filter, or a scope (service)
/// event's id is outside a non-empty scope (service) filter. The body is the
/// message as is for an internal subscription, else the anonymous view of it
/// (feed_message_for), and nothing when the anonymous view is nothing.
std::optional<std::string> webhook_body_for(const Subscription& subscription,
                                            const std::string& message);

/// The secrets that sign a delivery at `now_ms`: the secret, then each previous
/// one (newest first, at most kMaxPreviousSecrets) while now_ms < its
/// expires_ms. An empty one never signs.
std::vector<std::string> signing_secrets(const Subscription& subscription, std::int64_t now_ms);

}  // namespace incident::webhooks
