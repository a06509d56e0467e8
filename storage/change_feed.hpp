// The change-feed message of a committed change: JSON {type, id, version, at,
// changes, incident} (the incident with only the events the change added),
// stored in the stream entry's field "data" and published.
#pragma once

#include <string>

#include "domain/incident.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// The JSON text of the event the commit adds (it must add one): the text
/// `after` already holds for it as its newest event, else written anew.
std::string new_event_json(const CommitRequest& request);

/// The message for an incident commit; `at` is the commit time.
std::string incident_change_message(const CommitRequest& request, const std::string& base_url,
                                    Minute at);

}  // namespace incident
