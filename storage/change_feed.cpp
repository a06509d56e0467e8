// Building change-feed messages. The incident is shown as a token holder sees
// it (internal events included, flagged): feed consumers are trusted. Its
// `events` are only those the change added, so a message costs the same on
// the thousandth change of an incident as on the first; the history stays
// readable through GET. "type", "id" and "version" come first, so a reader
// that needs only those (the feed follower) stops there.
#include "storage/change_feed.hpp"

#include <nlohmann/json.hpp>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"
#include "domain/json_text.hpp"

namespace incident {

std::string new_event_json(const CommitRequest& request) {
  const Event& event = *request.new_event;
  if (request.after && !request.after->events.empty() && request.after->events.front() == event)
    return request.after->events.begin().json();
  return event_json(event);
}

std::string incident_change_message(const CommitRequest& request, const std::string& base_url,
                                    Minute at) {
  const Incident& shown = request.after ? *request.after : *request.before;
  // A deletion counts as a change: its message carries the next version.
  const std::int64_t version = request.after ? shown.version : shown.version + 1;
  EventLog added;
  if (request.new_event) added.push_front(*request.new_event, new_event_json(request));
  JsonText out;
  out.begin_object()
      .key("type")
      .string(request.change_type)
      .key("id")
      .integer(shown.id)
      .key("version")
      .integer(version)
      .key("at")
      .string(format_date(at))
      .key("changes")
      .raw(request.changes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .key("incident");
  if (request.after) {
    write_incident(out, shown, added, base_url, Audience::token_holder);
  } else {
    Incident deleted = shown;
    deleted.version = version;
    write_incident(out, deleted, added, base_url, Audience::token_holder);
  }
  return out.end_object().take();
}

}  // namespace incident
