// The incident model: statuses, severities, events and the incident record.
// Dates are whole minutes since the Unix epoch (UTC), the API's precision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/event_log.hpp"

namespace incident {

using Id = std::int64_t;

/// Ordered: a higher status is further along the lifecycle.
enum class Status { active = 0, investigating = 1, stable = 2, resolved = 3 };
/// Ordered as the API lists them: critical first.
enum class Severity { critical = 0, high = 1, moderate = 2, low = 3, minor = 4 };

std::string_view to_string(Status s);
std::string_view to_string(Severity s);
std::optional<Status> parse_status(std::string_view text);
std::optional<Severity> parse_severity(std::string_view text);

struct Incident {
  Id id = 0;
  std::int64_t version = 0;  // 1 at creation, +1 on every change
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> external_reference;
  std::optional<std::string> external_link;
  Status status = Status::active;
  Severity severity = Severity::moderate;
  Id scope = 0;
  Id service = 0;
  Minute creation_date = 0;
  Minute start_impact_date = 0;
  std::optional<Minute> investigation_date;
  std::optional<Minute> stable_date;
  std::optional<Minute> resolve_date;
  EventLog events;  // newest first

  bool operator==(const Incident& other) const;
};

/// About how much memory an incident takes, its history included: what a
/// cache of incidents is budgeted by. O(1).
std::size_t approximate_bytes(const Incident& incident);

}  // namespace incident
