// Which index zsets answer a filtered list: one group of keys per filter
// (OR within a group, AND across groups) and the score range of start dates.
// A status filter next to a severity, scope or service filter is read from
// the paired indexes, so the most common queries touch a single group.
#pragma once

#include <string>
#include <vector>

#include "domain/list_query.hpp"
#include "storage/keys.hpp"

namespace incident {

struct IndexPlan {
  std::string min = "-inf";  // score bounds (ZCOUNT, ZRANGEBYSCORE)
  std::string max = "+inf";
  std::vector<std::vector<std::string>> groups;
  bool nothing = false;  // the filter cannot match anything
};

IndexPlan plan_incident_query(const Keys& keys, const IncidentFilter& filter);

}  // namespace incident
