// What a change-feed consumer may see of a message: token holders see it
// whole; anonymous readers see nothing an anonymous GET would not show (no
// internal event, no internal comment, no previous values).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "domain/incident_json.hpp"

namespace incident {

/// One event for a change-feed consumer; an empty `id` is a heartbeat.
struct FeedEvent {
  std::string id;    // stream entry id
  std::string type;  // e.g. "incident.updated"
  std::string data;  // the message JSON, as the audience may see it
};

/// Delivers one event to its client; false once the client has gone. Called
/// from one thread at a time.
using EventSink = std::function<bool(const FeedEvent&)>;

/// The Server-Sent Events text of an event ("id:", "event:", "data:"), or a
/// comment line for a heartbeat.
std::string format_server_sent_event(const FeedEvent& event);

/// The message as `audience` may see it, or nullopt when it must not see the
/// change at all (an internal comment, for an anonymous reader) or the message
/// is not a JSON object.
std::optional<std::string> feed_message_for(const std::string& message, Audience audience);

/// The "type" of a message, "" when absent.
std::string feed_message_type(const std::string& message);

}  // namespace incident
