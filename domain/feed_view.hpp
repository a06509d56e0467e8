// What a change-feed consumer may see of a message: token holders see it
// whole; anonymous readers see nothing an anonymous GET would not show (no
// internal event, no internal comment, no previous values).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
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

/// Delivers one event's Server-Sent Events text (format_server_sent_event) to
/// its client; false once the client has gone. Called from one thread at a time.
using EventSink = std::function<bool(const std::string& text)>;

/// The Server-Sent Events text of an event ("id:", "event:", "data:"), or a
/// comment line for a heartbeat.
std::string format_server_sent_event(const FeedEvent& event);

/// The message as `audience` may see it, or nullopt when it must not see the
/// change at all (an internal comment, for an anonymous reader) or the message
/// is not a JSON object.
std::optional<std::string> feed_message_for(const std::string& message, Audience audience);

/// The anonymous view of a message already parsed (a JSON object), as
/// feed_message_for gives it: for a reader that parsed it for other reasons.
std::optional<std::string> anonymous_feed_message(nlohmann::json message);

/// The "type" of a message, "" when absent.
std::string feed_message_type(const std::string& message);

/// One stream entry made ready for every reader at once: its Server-Sent
/// Events text for token holders and for anonymous readers (none when they
/// must not see it). Built once per entry, whatever the number of readers.
struct PreparedEvent {
  std::string id;
  std::string for_token_holders;
  std::optional<std::string> for_anonymous;
  /// The text for `audience`, or nullptr when it sees nothing of the entry.
  const std::string* text_for(Audience audience) const;
};

PreparedEvent prepare_feed_event(const std::string& id, const std::string& message);

/// Orders stream ids ("<ms>-<seq>") as Redis does: <0, 0 or >0. An id that is
/// not one sorts first.
int compare_stream_ids(const std::string& a, const std::string& b);

}  // namespace incident
