// The incident model's small helpers: enum names for the API and equality.
// Enum spellings live in one table each, so parsing and printing cannot drift.
#include "domain/incident.hpp"

#include <array>
#include <tuple>
#include <utility>

namespace incident {
namespace {

constexpr std::array<std::pair<Status, std::string_view>, 4> kStatusNames{{
    {Status::active, "active"},
    {Status::investigating, "investigating"},
    {Status::stable, "stable"},
    {Status::resolved, "resolved"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 5> kSeverityNames{{
    {Severity::critical, "critical"},
    {Severity::high, "high"},
    {Severity::moderate, "moderate"},
    {Severity::low, "low"},
    {Severity::minor, "minor"},
}};

// Linear scans: the tables have at most five entries.
template <class Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";  // only reachable through a cast of an out-of-range integer
}

template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Status s) { return name_of(kStatusNames, s); }
std::string_view to_string(Severity s) { return name_of(kSeverityNames, s); }

std::optional<Status> parse_status(std::string_view text) { return value_of(kStatusNames, text); }

std::optional<Severity> parse_severity(std::string_view text) {
  return value_of(kSeverityNames, text);
}

bool Event::operator==(const Event& other) const {
  return std::tie(type, content, internal, creation_date) ==
         std::tie(other.type, other.content, other.internal, other.creation_date);
}

bool Incident::operator==(const Incident& other) const {
  return std::tie(id, version, name, description, external_reference, external_link, status,
                  severity, scope, service, creation_date, start_impact_date, investigation_date,
                  stable_date, resolve_date, events) ==
         std::tie(other.id, other.version, other.name, other.description, other.external_reference,
                  other.external_link, other.status, other.severity, other.scope, other.service,
                  other.creation_date, other.start_impact_date, other.investigation_date,
                  other.stable_date, other.resolve_date, other.events);
}

std::size_t approximate_bytes(const Incident& incident) {
  auto text = [](const std::optional<std::string>& value) { return value ? value->size() : 0; };
  return sizeof(Incident) + incident.name.size() + text(incident.description) +
         text(incident.external_reference) + text(incident.external_link) +
         incident.events.approximate_bytes();
}

}  // namespace incident
