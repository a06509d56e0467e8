#include "domain/list_query.hpp"

#include <algorithm>
#include <cstdio>

#include "domain/dates.hpp"
#include "domain/integers.hpp"
#include "domain/utf8.hpp"
#include "domain/validation.hpp"

namespace incident {
namespace {

/// Reads every value of `name` with `parse`, keeping distinct ones; notes a
/// reason when one is invalid or there are too many.
template <typename T, typename Parse>
void read_filter(const FieldMap& query, const std::string& name, const std::string& expected,
                 Parse parse, std::vector<T>& out, Reasons& reasons) {
  auto it = query.find(name);
  if (it == query.end()) return;
  if (it->second.size() > kMaxFilterValues) {
    reasons[name].push_back("At most " + std::to_string(kMaxFilterValues) + " values.");
    return;
  }
  bool invalid = false;
  for (const auto& value : it->second) {
    std::optional<T> parsed = parse(value.text);
    if (!parsed) {
      if (!invalid) reasons[name].push_back("Invalid value: expected " + expected);
      invalid = true;
      continue;
    }
    if (std::find(out.begin(), out.end(), *parsed) == out.end()) out.push_back(*parsed);
  }
}

std::optional<Minute> read_date(const std::string& text) { return parse_date(text); }

std::optional<std::string> parse_reference(const std::string& text) {
  if (text.empty() || utf8_length(text) > kExternalReferenceMax) return std::nullopt;
  return text;
}

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

Result<IncidentFilter> parse_incident_filter(const FieldMap& query) {
  IncidentFilter filter;
  Reasons reasons;
  read_filter(
      query, "status", "one of active, investigating, stable, resolved.",
      [](const std::string& t) { return parse_status(t); }, filter.statuses, reasons);
  read_filter(
      query, "severity", "one of critical, high, moderate, low, minor.",
      [](const std::string& t) { return parse_severity(t); }, filter.severities, reasons);
  read_filter(query, "scope", "a scope id.", parse_id, filter.scopes, reasons);
  read_filter(query, "service", "a service id.", parse_id, filter.services, reasons);
  read_filter(query, "external_reference", "1 to 255 characters.", parse_reference,
              filter.external_references, reasons);
  std::vector<Minute> after, before;
  const std::string date = "a date as YYYY-MM-DDTHH:MM or YYYY-MM-DD HH:MM.";
  read_filter(query, "impact_after", date, read_date, after, reasons);
  read_filter(query, "impact_before", date, read_date, before, reasons);
  // start >= a1 OR start >= a2 is start >= min(a); likewise before keeps the max.
  if (!after.empty()) filter.impact_after = *std::min_element(after.begin(), after.end());
  if (!before.empty()) filter.impact_before = *std::max_element(before.begin(), before.end());
  if (!reasons.empty()) return Error{ErrorKind::invalid, "Invalid filter", reasons};
  return filter;
}

std::string filter_query_string(const IncidentFilter& filter) {
  std::string out;
  auto add = [&out](const char* name, std::string_view value) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += percent_encode(value);
  };
  for (Status s : filter.statuses) add("status", to_string(s));
  for (Severity s : filter.severities) add("severity", to_string(s));
  for (Id id : filter.scopes) add("scope", std::to_string(id));
  for (Id id : filter.services) add("service", std::to_string(id));
  for (const auto& ref : filter.external_references) add("external_reference", ref);
  if (filter.impact_after) add("impact_after", format_date(*filter.impact_after));
  if (filter.impact_before) add("impact_before", format_date(*filter.impact_before));
  return out;
}

bool matches(const IncidentFilter& filter, const Incident& incident) {
  auto allows = [](const auto& values, const auto& value) {
    return values.empty() || std::find(values.begin(), values.end(), value) != values.end();
  };
  if (!allows(filter.statuses, incident.status) || !allows(filter.severities, incident.severity) ||
      !allows(filter.scopes, incident.scope) || !allows(filter.services, incident.service))
    return false;
  if (!filter.external_references.empty() &&
      (!incident.external_reference ||
       !allows(filter.external_references, *incident.external_reference)))
    return false;
  if (filter.impact_after && incident.start_impact_date < *filter.impact_after) return false;
  if (filter.impact_before && incident.start_impact_date >= *filter.impact_before) return false;
  return true;
}

}  // namespace incident
