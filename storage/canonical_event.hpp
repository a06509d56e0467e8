// Reads a stored event in the one form this server writes it (encode_event:
// content, creation_date, internal, type, in that order, no spaces), without
// a general JSON parser: every load decodes every event of the incident.
#pragma once

#include <optional>
#include <string_view>

#include "domain/event.hpp"

namespace incident {

/// The event, when `text` is exactly what encode_event writes for it (so the
/// text can stand as the event's JSON) and its escapes are the short ones;
/// nullopt otherwise (the caller then reads it as any JSON). Whatever it
/// accepts, the general reader reads as the same event.
std::optional<Event> read_canonical_event(std::string_view text);

}  // namespace incident
