// Standard Webhooks signatures: the secrets a subscription signs with and the
// "webhook-signature" header a receiver checks, so it can trust who sent a
// delivery and that nobody replayed or altered it (HMAC-SHA256, base64).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace incident::webhooks {

/// A fresh secret: "whsec_" + base64 (padded) of 32 bytes from the OpenSSL
/// CSPRNG. Throws std::runtime_error when the CSPRNG fails: a guessable
/// secret is worse than no subscription.
std::string new_webhook_secret();

/// The HMAC key of a secret: the bytes of its base64 after an optional
/// "whsec_" prefix, decoded strictly (padding and unused bits exact, no
/// spaces). nullopt when that is not valid base64 or decodes to nothing.
std::optional<std::string> webhook_secret_key(std::string_view secret);

/// "v1," + base64(HMAC-SHA256(key, message_id "." timestamp "." body)), the
/// timestamp in decimal seconds. Throws std::invalid_argument when `secret`
/// has no key (webhook_secret_key): stored secrets are always usable.
std::string webhook_signature(std::string_view secret, std::string_view message_id,
                              std::int64_t timestamp, std::string_view body);

/// The header value: one signature per secret, separated by single spaces
/// (during a rotation the old and the new secret both sign). Throws as
/// webhook_signature does.
std::string webhook_signature_header(const std::vector<std::string>& secrets,
                                     std::string_view message_id, std::int64_t timestamp,
                                     std::string_view body);

/// True when one of the space-separated "v1,<signature>" entries of `header`
/// is the signature of this message with `secret` (compared in constant time).
/// False for an unusable secret. The timestamp's freshness is the caller's.
bool verify_webhook_signature(std::string_view header, std::string_view secret,
                              std::string_view message_id, std::int64_t timestamp,
                              std::string_view body);

}  // namespace incident::webhooks
