// Fuzzes the list filters of GET /api/incident (domain/list_query.hpp) from a raw query
// string. An accepted filter keeps its promises (at most 50 distinct values per filter)
// and survives the trip through filter_query_string, which builds the links to other pages.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "domain/list_query.hpp"
#include "fuzz/check.hpp"
#include "http/body_parser.hpp"

namespace {

template <class T>
void check_list(const std::vector<T>& values) {
  FUZZ_CHECK(values.size() <= incident::kMaxFilterValues);
  for (auto it = values.begin(); it != values.end(); ++it)
    FUZZ_CHECK(std::find(values.begin(), it, *it) == it);  // distinct
}

bool same(const incident::IncidentFilter& a, const incident::IncidentFilter& b) {
  return a.statuses == b.statuses && a.severities == b.severities && a.scopes == b.scopes &&
         a.services == b.services && a.external_references == b.external_references &&
         a.impact_after == b.impact_after && a.impact_before == b.impact_before;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  const auto filter = incident::parse_incident_filter(incident::parse_urlencoded(query));
  if (!filter) {
    FUZZ_CHECK(!filter.error().reasons.empty());
    return 0;
  }
  check_list(filter->statuses);
  check_list(filter->severities);
  check_list(filter->scopes);
  check_list(filter->services);
  check_list(filter->external_references);
  for (auto id : filter->scopes) FUZZ_CHECK(id > 0);
  for (auto id : filter->services) FUZZ_CHECK(id > 0);

  const std::string link = incident::filter_query_string(*filter);
  const auto again = incident::parse_incident_filter(incident::parse_urlencoded(link));
  FUZZ_CHECK(again.ok() && same(*filter, *again));
  return 0;
}
