// Incident <-> Redis hash and event JSON. Dates are stored formatted so that
// redis-cli shows what the API shows.
#include "storage/incident_codec.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"
#include "domain/integers.hpp"
#include "domain/json_text.hpp"
#include "storage/canonical_event.hpp"
#include "storage/top_level_reader.hpp"

namespace incident {
namespace {

constexpr long long kMaxMinute = 9'999'999'999LL;
// Index members hold (kIdComplement - id) on fourteen lowercase hex digits,
// so higher ids sort first: 14 bytes take a 16-byte allocation in Redis where
// the sixteen decimal digits of earlier versions took 24 (16 bytes less per
// index entry). 2^53: the page script subtracts in Lua's doubles, exactly.
constexpr long long kIdComplement = 9'007'199'254'740'992LL;
static_assert(kMaxId < kIdComplement, "every id has a member of at least 1");
// Scores stay below 2^53 too: (kMaxMinute + 1) * 100 is about 10^12.
constexpr long long kScoreStep = 100;
constexpr long long kMaxStoredInteger = 999'999'999'999'999'999LL;  // 18 digits, as ever

void put_optional(FlatHash& out, const char* name, const std::optional<std::string>& value) {
  if (value) out.emplace_back(name, *value);
}

void put_date(FlatHash& out, const char* name, const std::optional<Minute>& value) {
  if (value) out.emplace_back(name, format_date(*value));
}

std::optional<long long> to_integer(const std::string& text) {
  return parse_integer_in(text, 0, kMaxStoredInteger);
}

/// The hash's fields, looked up by name: a handful, so a scan beats a map.
class FieldLookup {
 public:
  explicit FieldLookup(const FlatHash& flat) : flat_(flat) {}
  const std::string* find(std::string_view name) const {
    for (const auto& [field, value] : flat_)
      if (field == name) return &value;
    return nullptr;
  }
  std::string operator[](std::string_view name) const {
    const std::string* value = find(name);
    return value ? *value : std::string();
  }

 private:
  const FlatHash& flat_;
};

std::optional<std::string> optional_field(const FieldLookup& fields, const char* name) {
  const std::string* value = fields.find(name);
  if (!value) return std::nullopt;
  return *value;
}

bool read_date(const FieldLookup& fields, const char* name, std::optional<Minute>& out) {
  const std::string* text = fields.find(name);
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

std::string encode_event(const Event& event) { return event_json(event); }  // as the API shows it

namespace {

/// Reads a stored event's four members as they stream by (no document is
/// built): loads decode every event of an incident. A member of ours with a
/// value of the wrong type makes the event unreadable; other members are
/// ignored.
class EventFields : public TopLevelReader {
 public:
  Event event;
  bool has_type = false, has_content = false, has_internal = false, has_date = false;
  bool well_formed = true;

  bool null() override { return other_value(); }
  bool boolean(bool value) override {
    if (!at_member("internal")) return other_value();
    event.internal = value;
    has_internal = true;
    return true;
  }
  bool number_integer(number_integer_t) override { return other_value(); }
  bool number_unsigned(number_unsigned_t) override { return other_value(); }
  bool number_float(number_float_t, const string_t&) override { return other_value(); }
  bool binary(binary_t&) override { return other_value(); }
  bool string(string_t& value) override {
    if (at_member("type")) {
      event.type = std::move(value);
      has_type = true;
    } else if (at_member("content")) {
      event.content = std::move(value);
      has_content = true;
    } else if (at_member("creation_date")) {
      auto date = parse_date(value);
      if (!date) return well_formed = false;
      event.creation_date = *date;
      has_date = true;
    } else {
      return other_value();
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return well_formed = false;
  }

 private:
  bool ours() const {
    const std::string& name = member();
    return in_top_member() &&
           (name == "type" || name == "content" || name == "creation_date" || name == "internal");
  }
  /// A value that is not one of ours: fine inside other members only.
  bool other_value() {
    if (at_top() || ours()) well_formed = false;
    return well_formed;
  }
  /// An event is an object, and none of our members holds a container.
  bool entering(bool is_array) override {
    if ((at_top() && is_array) || ours()) well_formed = false;
    return well_formed;
  }
};

/// Adds a stored event as the newest of `log`; its text stands as its JSON
/// when it is in the written form. False when the text is unreadable.
bool push_stored_event(EventLog& log, std::string text) {
  if (auto event = read_canonical_event(text)) {
    log.push_front(std::move(*event), std::move(text));
    return true;
  }
  auto event = read_event_members(text);
  if (event) log.push_front(std::move(*event));
  return event.has_value();
}

}  // namespace

std::optional<Event> decode_event(const std::string& text) {
  EventLog log;
  if (!push_stored_event(log, text)) return std::nullopt;
  return log.front();
}

std::optional<Event> read_event_members(const std::string& text) {
  EventFields fields;
  bool parsed = nlohmann::json::sax_parse(text, &fields);
  if (!parsed || !fields.well_formed || !fields.has_type || !fields.has_content ||
      !fields.has_internal || !fields.has_date)
    return std::nullopt;
  return std::move(fields.event);
}

std::optional<Incident> decode_incident(const FlatHash& flat, std::vector<std::string> events) {
  FieldLookup fields(flat);
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
  for (auto text = events.rbegin(); text != events.rend(); ++text)  // oldest first
    if (!push_stored_event(incident.events, std::move(*text))) return std::nullopt;
  return incident;
}

IndexEntry index_entry(const Incident& incident) {
  char score[32], member[32];
  std::snprintf(score, sizeof score, "%lld",
                (kMaxMinute - static_cast<long long>(incident.start_impact_date)) * kScoreStep +
                    static_cast<int>(incident.status) * 10 + static_cast<int>(incident.severity));
  std::snprintf(
      member, sizeof member, "%014llx",
      static_cast<unsigned long long>(kIdComplement - static_cast<long long>(incident.id)));
  return {score, member};
}

std::optional<Id> id_of_member(const std::string& member) {
  if (member.size() != kIndexMemberLength) return std::nullopt;
  long long complement = 0;
  for (char c : member) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;
    complement = complement * 16 + digit;  // 14 digits: below 2^56, no overflow
  }
  if (complement < 1 || complement >= kIdComplement) return std::nullopt;
  return static_cast<Id>(kIdComplement - complement);
}

std::string earlier_index_member(Id id) {
  char member[32];
  std::snprintf(member, sizeof member, "%016lld", kIdComplement - static_cast<long long>(id));
  return member;
}

std::optional<long long> index_score(const std::string& text) {
  auto score = to_integer(text);
  if (!score || *score < 0) return std::nullopt;
  return *score;
}

std::pair<std::string, std::string> start_date_range(std::optional<Minute> after,
                                                     std::optional<Minute> before) {
  // Scores begin with kMaxMinute - start, so later starts sort first; a
  // minute's entries span kScoreStep scores.
  std::string min = "-inf", max = "+inf";
  if (before && *before <= kMaxMinute)
    min = std::to_string((kMaxMinute - std::max<long long>(*before, 1) + 1) * kScoreStep);
  if (after && *after > 0)
    max = "(" +
          std::to_string((kMaxMinute - std::min<long long>(*after, kMaxMinute) + 1) * kScoreStep);
  return {min, max};
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
