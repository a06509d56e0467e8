// Which changes a subscription receives, as what body: matching reads only
// the message fields it needs, from a message parsed once (ParsedChange) for
// every subscription it is matched against.
#include <algorithm>
#include <string_view>
#include <vector>

#include "domain/feed_view.hpp"
#include "webhooks/json_values.hpp"
#include "webhooks/parsed_change.hpp"
#include "webhooks/subscription.hpp"

namespace incident::webhooks {
namespace {

using nlohmann::json;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool selects(const std::vector<std::string>& events, const std::string& type) {
  return std::any_of(events.begin(), events.end(), [&type](const std::string& event) {
    if (event.size() < 2 || event.compare(event.size() - 2, 2, ".*") != 0) return event == type;
    const std::string_view family(event.data(), event.size() - 1);  // "incident."
    return type.size() > family.size() && starts_with(type, family);
  });
}

// An empty filter allows anything; otherwise object[key] must be one of it.
template <class T>
bool allows(const std::vector<T>& filter, const json& object, const char* key) {
  if (filter.empty()) return true;
  const auto it = object.find(key);
  T value{};
  return it != object.end() && read_value(*it, value) &&
         std::find(filter.begin(), filter.end(), value) != filter.end();
}

bool filters_allow(const Subscription& s, const json& message, const std::string& type) {
  if (starts_with(type, "scope.")) return allows(s.scopes, message, "id");
  if (starts_with(type, "service.")) return allows(s.services, message, "id");
  if (!starts_with(type, "incident.")) return true;
  static const json kNothing = json::object();
  const auto it = message.find("incident");
  const json& incident = it != message.end() && it->is_object() ? *it : kNothing;
  return allows(s.scopes, incident, "scope") && allows(s.services, incident, "service") &&
         allows(s.severities, incident, "severity") && allows(s.statuses, incident, "status");
}

}  // namespace

ParsedChange::ParsedChange(std::string message)
    : message_(std::move(message)), json_(json::parse(message_, nullptr, false)) {
  if (!json_.is_object()) return;
  const auto type = json_.find("type");
  if (type != json_.end() && type->is_string()) type_ = type->get<std::string>();
}

const std::string* ParsedChange::public_body() const {
  if (!public_body_) public_body_ = anonymous_feed_message(json_);
  return *public_body_ ? &**public_body_ : nullptr;
}

const std::string* matching_body(const Subscription& s, const ParsedChange& change) {
  if (!s.enabled || !change.is_object() || !selects(s.events, change.type()) ||
      !filters_allow(s, change.json(), change.type()))
    return nullptr;
  return s.internal ? &change.internal_body() : change.public_body();
}

std::optional<std::string> webhook_body_for(const Subscription& s, const std::string& message) {
  const ParsedChange change(message);
  const std::string* body = matching_body(s, change);
  return body ? std::optional<std::string>(*body) : std::nullopt;
}

}  // namespace incident::webhooks
