// Building change-feed messages. The incident is shown as a token holder sees
// it (internal events included, flagged): feed consumers are trusted.
#include "storage/change_feed.hpp"

#include <nlohmann/json.hpp>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"

namespace incident {

std::string incident_change_message(const CommitRequest& request, const std::string& base_url,
                                    Minute at) {
  Incident shown = request.after ? *request.after : *request.before;
  if (!request.after) shown.version = request.before->version + 1;  // the deletion counts
  nlohmann::json message{{"type", request.change_type},
                         {"id", shown.id},
                         {"version", shown.version},
                         {"at", format_date(at)},
                         {"changes", request.changes},
                         {"incident", incident_to_json(shown, base_url, Audience::token_holder)}};
  return message.dump();
}

}  // namespace incident
