// The filters of GET /api/incident, read from the query string: each filter
// may repeat (values OR-ed), different filters are AND-ed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "domain/incident.hpp"
#include "domain/result.hpp"

namespace incident {

inline constexpr std::size_t kMaxFilterValues = 50;

struct IncidentFilter {
  std::vector<Status> statuses;  // each list: distinct values, in request order
  std::vector<Severity> severities;
  std::vector<Id> scopes;
  std::vector<Id> services;
  std::vector<std::string> external_references;
  std::optional<Minute> impact_after;   // start_impact_date >= this
  std::optional<Minute> impact_before;  // start_impact_date < this

  bool empty() const {
    return statuses.empty() && severities.empty() && scopes.empty() && services.empty() &&
           external_references.empty() && !impact_after && !impact_before;
  }
  /// True when the date bounds leave nothing to find.
  bool impossible() const {
    return impact_after && impact_before && *impact_after >= *impact_before;
  }
};

/// Reads the filters; a 400 naming every filter with an invalid value or more
/// than 50 values. Unknown parameters are ignored. A repeated date bound
/// keeps its widest value (the OR of its values).
Result<IncidentFilter> parse_incident_filter(const FieldMap& query);

/// The filters as a query string ("status=active&scope=2"), percent-encoded,
/// for the links to other pages.
std::string filter_query_string(const IncidentFilter& filter);

/// Whether an incident passes the filter (the reference the indexes must match).
bool matches(const IncidentFilter& filter, const Incident& incident);

}  // namespace incident
