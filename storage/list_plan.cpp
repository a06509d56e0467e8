#include "storage/list_plan.hpp"

#include "storage/incident_codec.hpp"

namespace incident {
namespace {

// Beyond this many paired keys, separate groups are cheaper to pass to Redis.
constexpr std::size_t kMaxPairedKeys = 64;

template <typename T, typename KeyOf>
std::vector<std::string> group_of(const std::vector<T>& values, KeyOf key_of) {
  std::vector<std::string> keys;
  for (const auto& value : values) keys.push_back(key_of(value));
  return keys;
}

}  // namespace

IndexPlan plan_incident_query(const Keys& keys, const IncidentFilter& filter) {
  IndexPlan plan;
  if (filter.impossible() || (filter.impact_before && *filter.impact_before <= 0)) {
    plan.nothing = true;
    return plan;
  }
  std::tie(plan.min, plan.max) = start_date_range(filter.impact_after, filter.impact_before);

  auto text_of = [](const auto& value) {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, Severity>)
      return std::string(to_string(value));
    else
      return std::to_string(value);
  };
  // The status filter pairs with the first of scope, service, severity present.
  bool paired = false;
  auto pair_status_with = [&](const char* field, const auto& values) {
    if (paired || filter.statuses.empty() || values.empty() ||
        filter.statuses.size() * values.size() > kMaxPairedKeys)
      return false;
    std::vector<std::string> group;
    for (Status status : filter.statuses)
      for (const auto& value : values)
        group.push_back(keys.index_status_and(status, field, text_of(value)));
    plan.groups.push_back(std::move(group));
    paired = true;
    return true;
  };
  bool scope_paired = pair_status_with("scope", filter.scopes);
  bool service_paired = pair_status_with("service", filter.services);
  bool severity_paired = pair_status_with("severity", filter.severities);

  if (!paired && !filter.statuses.empty())
    plan.groups.push_back(
        group_of(filter.statuses, [&](Status s) { return keys.index_status(s); }));
  if (!severity_paired && !filter.severities.empty())
    plan.groups.push_back(
        group_of(filter.severities, [&](Severity s) { return keys.index_severity(s); }));
  if (!scope_paired && !filter.scopes.empty())
    plan.groups.push_back(group_of(filter.scopes, [&](Id id) { return keys.index_scope(id); }));
  if (!service_paired && !filter.services.empty())
    plan.groups.push_back(group_of(filter.services, [&](Id id) { return keys.index_service(id); }));
  if (!filter.external_references.empty())
    plan.groups.push_back(group_of(filter.external_references, [&](const std::string& ref) {
      return keys.index_external_reference(ref);
    }));
  if (plan.groups.empty()) plan.groups.push_back({keys.index_all()});
  return plan;
}

}  // namespace incident
