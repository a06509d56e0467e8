// Incident <-> Redis hash and event JSON. Dates are stored formatted so that
// redis-cli shows what the API shows.
#include "storage/incident_codec.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"
#include "domain/json_text.hpp"

namespace incident {
namespace {

constexpr long long kMaxMinute = 9'999'999'999LL;
constexpr long long kMaxId = 9'999'999'999'999'999LL;

void put_optional(FlatHash& out, const char* name, const std::optional<std::string>& value) {
  if (value) out.emplace_back(name, *value);
}

void put_date(FlatHash& out, const char* name, const std::optional<Minute>& value) {
  if (value) out.emplace_back(name, format_date(*value));
}

std::optional<long long> to_integer(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

using FieldLookup = std::map<std::string, std::string>;

std::optional<std::string> optional_field(const FieldLookup& fields, const char* name) {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

bool read_date(const FieldLookup& fields, const char* name, std::optional<Minute>& out) {
  auto text = optional_field(fields, name);
  if (!text) return true;
  out = parse_date(*text);
  return out.has_value();
}

}  // namespace

FlatHash encode_fields(const Incident& incident) {
  FlatHash out{{"id", std::to_string(incident.id)},
               {"version", std::to_string(incident.version)},
               {"name", incident.name},
               {"status", std::string(to_string(incident.status))},
               {"severity", std::string(to_string(incident.severity))},
               {"scope", std::to_string(incident.scope)},
               {"service", std::to_string(incident.service)},
               {"creation_date", format_date(incident.creation_date)},
               {"start_impact_date", format_date(incident.start_impact_date)}};
  put_optional(out, "description", incident.description);
  put_optional(out, "external_reference", incident.external_reference);
  put_optional(out, "external_link", incident.external_link);
  put_date(out, "investigation_date", incident.investigation_date);
  put_date(out, "stable_date", incident.stable_date);
  put_date(out, "resolve_date", incident.resolve_date);
  return out;
}

std::string encode_event(const Event& event) {
  JsonText out;
  write_event(out, event);  // as the API shows it
  return out.take();
}

std::optional<Event> decode_event(const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return std::nullopt;
  Event event;
  try {
    event.type = json.at("type").get<std::string>();
    event.content = json.at("content").get<std::string>();
    event.internal = json.at("internal").get<bool>();
    auto date = parse_date(json.at("creation_date").get<std::string>());
    if (!date) return std::nullopt;
    event.creation_date = *date;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return event;
}

std::optional<Incident> decode_incident(const FlatHash& flat,
                                        const std::vector<std::string>& events) {
  FieldLookup fields(flat.begin(), flat.end());
  Incident incident;
  auto id = to_integer(fields["id"]), version = to_integer(fields["version"]);
  auto scope = to_integer(fields["scope"]), service = to_integer(fields["service"]);
  auto status = parse_status(fields["status"]);
  auto severity = parse_severity(fields["severity"]);
  auto created = parse_date(fields["creation_date"]);
  auto start = parse_date(fields["start_impact_date"]);
  if (!id || !version || !scope || !service || !status || !severity || !created || !start)
    return std::nullopt;
  incident.id = *id;
  incident.version = *version;
  incident.name = fields["name"];
  incident.scope = *scope;
  incident.service = *service;
  incident.status = *status;
  incident.severity = *severity;
  incident.creation_date = *created;
  incident.start_impact_date = *start;
  incident.description = optional_field(fields, "description");
  incident.external_reference = optional_field(fields, "external_reference");
  incident.external_link = optional_field(fields, "external_link");
  if (!read_date(fields, "investigation_date", incident.investigation_date) ||
      !read_date(fields, "stable_date", incident.stable_date) ||
      !read_date(fields, "resolve_date", incident.resolve_date))
    return std::nullopt;
  std::vector<Event> newest_first;
  newest_first.reserve(events.size());
  for (const auto& text : events) {
    auto event = decode_event(text);
    if (!event) return std::nullopt;
    newest_first.push_back(std::move(*event));
  }
  incident.events = EventLog::from_newest_first(std::move(newest_first));
  return incident;
}

std::string sort_member(const Incident& incident) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%010lld%d%d%016lld:%lld",
                kMaxMinute - static_cast<long long>(incident.start_impact_date),
                static_cast<int>(incident.status), static_cast<int>(incident.severity),
                kMaxId - static_cast<long long>(incident.id), static_cast<long long>(incident.id));
  return buffer;
}

std::pair<std::string, std::string> start_date_range(std::optional<Minute> after,
                                                     std::optional<Minute> before) {
  // Members begin with kMaxMinute - start on ten digits, so later starts sort first.
  auto prefix = [](long long inverted) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%010lld", inverted);
    return std::string(buffer);
  };
  std::string min = "-", max = "+";
  if (before && *before <= kMaxMinute)
    min = "[" + prefix(kMaxMinute - std::max<long long>(*before, 1) + 1);
  if (after && *after > 0)
    max = "(" + prefix(kMaxMinute - std::min<long long>(*after, kMaxMinute) + 1);
  return {min, max};
}

std::optional<Id> id_of_member(const std::string& member) {
  auto colon = member.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto id = to_integer(member.substr(colon + 1));
  if (!id) return std::nullopt;
  return static_cast<Id>(*id);
}

std::vector<std::string> index_keys(const Keys& keys, const Incident& incident) {
  std::vector<std::string> out{
      keys.index_status(incident.status),
      keys.index_severity(incident.severity),
      keys.index_scope(incident.scope),
      keys.index_service(incident.service),
  };
  const std::pair<const char*, std::string> fields[] = {
      {"status", std::string(to_string(incident.status))},
      {"severity", std::string(to_string(incident.severity))},
      {"scope", std::to_string(incident.scope)},
      {"service", std::to_string(incident.service)}};
  for (std::size_t a = 0; a < 4; ++a)
    for (std::size_t b = a + 1; b < 4; ++b)
      out.push_back(
          keys.index_pair(fields[a].first, fields[a].second, fields[b].first, fields[b].second));
  if (incident.external_reference)
    out.push_back(keys.index_external_reference(*incident.external_reference));
  return out;
}

}  // namespace incident
