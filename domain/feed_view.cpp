// Filtering change-feed messages for anonymous readers: internal events are
// removed from the incident, `changes` (previous values) are emptied, and a
// change that only added an internal event (an internal comment) is withheld.
#include "domain/feed_view.hpp"

#include <nlohmann/json.hpp>

#include "domain/integers.hpp"

namespace incident {
namespace {

bool is_internal(const nlohmann::json& event) {
  auto flag = event.find("internal");
  return flag != event.end() && flag->is_boolean() && flag->get<bool>();
}

}  // namespace

std::optional<std::string> feed_message_for(const std::string& message, Audience audience) {
  if (audience == Audience::token_holder) return message;
  return anonymous_feed_message(nlohmann::json::parse(message, nullptr, false));
}

std::optional<std::string> anonymous_feed_message(nlohmann::json json) {
  if (!json.is_object()) return std::nullopt;
  // Previous values are never public: an update's live only in internal
  // events, and an anonymous GET shows a scope, a service or an incident only
  // as it now is. An anonymous reader gets no `changes`.
  if (json.contains("changes")) json["changes"] = nlohmann::json::object();
  auto incident = json.find("incident");
  if (incident == json.end() || !incident->is_object()) return json.dump();
  auto events = incident->find("events");
  if (events == incident->end() || !events->is_array()) return json.dump();
  bool internal_comment = json.value("type", "") == "incident.commented" && !events->empty() &&
                          is_internal(events->front());
  if (internal_comment) return std::nullopt;
  nlohmann::json visible = nlohmann::json::array();
  for (const auto& event : *events)
    if (!is_internal(event)) visible.push_back(event);
  *events = std::move(visible);
  return json.dump();
}

std::string format_server_sent_event(const FeedEvent& event) {
  if (event.id.empty()) return ": heartbeat\n\n";
  // Messages are compact JSON: one line, so one "data:" field.
  return "id: " + event.id + "\nevent: " + event.type + "\ndata: " + event.data + "\n\n";
}

PreparedEvent prepare_feed_event(const std::string& id, const std::string& message) {
  PreparedEvent prepared{id, {}, std::nullopt};
  prepared.for_token_holders =
      format_server_sent_event(FeedEvent{id, feed_message_type(message), message});
  if (auto visible = feed_message_for(message, Audience::anonymous))
    prepared.for_anonymous =
        format_server_sent_event(FeedEvent{id, feed_message_type(*visible), *visible});
  return prepared;
}

const std::string* PreparedEvent::text_for(Audience audience) const {
  if (audience == Audience::token_holder) return &for_token_holders;
  return for_anonymous ? &*for_anonymous : nullptr;
}

int compare_stream_ids(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& id) {
    auto dash = id.find('-');
    auto ms = parse_integer(std::string_view(id).substr(0, dash));
    auto seq = dash == std::string::npos ? std::optional<std::int64_t>(0)
                                         : parse_integer(std::string_view(id).substr(dash + 1));
    return std::make_pair(ms.value_or(-1), seq.value_or(-1));
  };
  auto x = parts(a), y = parts(b);
  return x < y ? -1 : (y < x ? 1 : 0);
}

std::string feed_message_type(const std::string& message) {
  auto json = nlohmann::json::parse(message, nullptr, false);
  if (!json.is_object()) return "";
  auto type = json.find("type");
  return type != json.end() && type->is_string() ? type->get<std::string>() : "";
}

}  // namespace incident
