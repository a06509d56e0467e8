// Parsing and formatting of the API's dates: minute precision, UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/incident.hpp"

namespace incident {

/// Accepts YYYY-MM-DDTHH:MM and YYYY-MM-DD HH:MM, either optionally with :SS
/// (seconds are dropped). Rejects anything else, including impossible dates
/// (2026-02-30) and out-of-range parts. Returns minutes since the epoch.
std::optional<Minute> parse_date(std::string_view text);

/// Formats as YYYY-MM-DDTHH:MM.
std::string format_date(Minute minute);

/// The current time, truncated to the minute.
Minute now_minute();

}  // namespace incident
