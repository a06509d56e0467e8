// A change-feed message parsed once for all the endpoints it may go to: what
// matching reads (its type and fields) and its two bodies, the internal one
// (the message as committed) and the public one (the anonymous view), the
// public one made at most once, when an endpoint first needs it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "webhooks/subscription.hpp"

namespace incident::webhooks {

/// Not thread-safe (the public body is made on first use): one thread at a
/// time, the dispatcher's.
class ParsedChange {
 public:
  explicit ParsedChange(std::string message);

  /// False when the message is not a JSON object: no endpoint takes it.
  bool is_object() const { return json_.is_object(); }
  /// Its "type", "" when absent.
  const std::string& type() const { return type_; }
  const nlohmann::json& json() const { return json_; }
  /// The message as committed: an internal endpoint's body.
  const std::string& internal_body() const { return message_; }
  /// The anonymous view (feed_message_for): a public endpoint's body;
  /// nullptr when an anonymous reader must not see the change at all.
  const std::string* public_body() const;

 private:
  std::string message_;
  nlohmann::json json_;
  std::string type_;
  mutable std::optional<std::optional<std::string>> public_body_;  // outer: made yet?
};

/// The body `subscription` receives for `change` (see webhook_body_for),
/// pointing into `change`; nullptr when it does not take the change.
const std::string* matching_body(const Subscription& subscription, const ParsedChange& change);

}  // namespace incident::webhooks
