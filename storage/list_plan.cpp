#include "storage/list_plan.hpp"

#include <array>

#include "storage/incident_codec.hpp"

namespace incident {
namespace {

// Beyond this many keys, a pair is cheaper passed to Redis as two groups.
constexpr std::size_t kMaxPairedKeys = 64;

/// One categorical filter: its field name and its values as index keys spell them.
struct FieldFilter {
  const char* field;
  std::vector<std::string> values;
  bool used = false;
};

template <typename T, typename Text>
FieldFilter field_filter(const char* field, const std::vector<T>& values, Text text) {
  FieldFilter out{field, {}};
  for (const auto& value : values) out.values.push_back(text(value));
  return out;
}

}  // namespace

IndexPlan plan_incident_query(const Keys& keys, const IncidentFilter& filter) {
  IndexPlan plan;
  if (filter.impossible() || (filter.impact_before && *filter.impact_before <= 0)) {
    plan.nothing = true;
    return plan;
  }
  std::tie(plan.min, plan.max) = start_date_range(filter.impact_after, filter.impact_before);

  // In the order of the pair indexes' names (status, severity, scope, service).
  auto id_text = [](Id id) { return std::to_string(id); };
  std::array<FieldFilter, 4> fields{
      field_filter("status", filter.statuses, [](Status s) { return std::string(to_string(s)); }),
      field_filter("severity", filter.severities,
                   [](Severity s) { return std::string(to_string(s)); }),
      field_filter("scope", filter.scopes, id_text),
      field_filter("service", filter.services, id_text)};

  // Pairs read one paired index each; the most selective pairs come first.
  const std::pair<int, int> preference[] = {{0, 2}, {0, 3}, {2, 3}, {1, 2}, {1, 3}, {0, 1}};
  for (auto [a, b] : preference) {
    FieldFilter& first = fields[a];
    FieldFilter& second = fields[b];
    if (first.used || second.used || first.values.empty() || second.values.empty() ||
        first.values.size() * second.values.size() > kMaxPairedKeys)
      continue;
    std::vector<std::string> group;
    for (const auto& x : first.values)
      for (const auto& y : second.values)
        group.push_back(keys.index_pair(first.field, x, second.field, y));
    plan.groups.push_back(std::move(group));
    first.used = second.used = true;
  }
  for (auto& single : fields) {
    if (single.used || single.values.empty()) continue;
    std::vector<std::string> group;
    for (const auto& value : single.values) group.push_back(keys.index_field(single.field, value));
    plan.groups.push_back(std::move(group));
  }
  if (!filter.external_references.empty()) {
    std::vector<std::string> group;
    for (const auto& ref : filter.external_references)
      group.push_back(keys.index_external_reference(ref));
    plan.groups.push_back(std::move(group));
  }
  if (plan.groups.empty()) plan.groups.push_back({keys.index_all()});
  return plan;
}

}  // namespace incident
