// The audit reads through the public API only, as a client recovering after
// an outage would; it never looks into Redis.
#include "store_audit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "fixtures.hpp"

namespace e2e {

namespace {

using nlohmann::json;
using IdSet = std::set<long long>;
using Groups = std::map<std::string, IdSet>;  // a field's value -> ids

const std::vector<std::string> kStatuses = {"active", "investigating", "stable", "resolved"};
const std::vector<std::string> kSeverities = {"critical", "high", "moderate", "low", "minor"};

template <class Container>
std::string show(const Container& values) {
  std::ostringstream out;
  out << "[";
  std::size_t shown = 0;
  for (const auto& value : values) {
    if (shown++ == 30) return out.str() + ", ...]";
    out << (shown > 1 ? ", " : "") << value;
  }
  return out.str() + "]";
}

IdSet minus(const IdSet& a, const IdSet& b) {
  IdSet out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

/// The signatures of an incident's events after its create event, oldest first.
std::vector<std::string> writes_shown(const json& incident) {
  std::vector<std::string> shown;
  const json& events = incident["events"];
  if (!events.is_array() || events.empty() || events.back().value("type", "") != "create") {
    ADD_FAILURE() << "incident " << incident.value("id", 0LL)
                  << " does not start with one create event: " << incident.dump();
    return shown;
  }
  for (auto event = events.rbegin() + 1; event != events.rend(); ++event)
    shown.push_back(event_signature(*event));
  return shown;
}

/// True when the incident's write in doubt turns out to have been committed.
bool expect_incident_kept(const ApiClient& api, const std::string& token,
                          const IncidentHistory& history) {
  Response response = api.get(incident_path(history.id), token);
  json incident = response.json();
  if (response.status != 200 || !incident.is_object()) {
    ADD_FAILURE() << "acknowledged create of incident " << history.id << " ('" << history.name
                  << "') lost: " << response.describe();
    return false;
  }
  std::vector<std::string> expected;
  for (const auto& write : history.acknowledged) expected.push_back(write.signature());
  std::vector<std::string> shown = writes_shown(incident);
  // The write in doubt may have been committed before its answer was lost.
  bool landed = history.in_doubt && shown.size() == expected.size() + 1 &&
                shown.back() == history.in_doubt->signature();
  if (landed) expected.push_back(history.in_doubt->signature());
  EXPECT_EQ(shown, expected) << "incident " << history.id
                             << ": events differ from the acknowledged writes (in doubt: "
                             << (history.in_doubt ? history.in_doubt->signature() : "none") << ")";
  bool landed_update = landed && history.in_doubt->kind == "update";
  EXPECT_EQ(incident.value("version", 0LL), history.version + (landed ? 1 : 0))
      << "incident " << history.id;
  EXPECT_EQ(incident.value("status", ""),
            landed_update ? history.in_doubt->status_to : history.status)
      << "incident " << history.id;
  EXPECT_EQ(incident.value("severity", ""),
            landed_update ? history.in_doubt->severity_to : history.severity)
      << "incident " << history.id;
  EXPECT_EQ(incident.value("name", ""), history.name) << "incident " << history.id;
  return landed;
}

/// The incidents GET shows for ids 1..last, by id.
std::map<long long, json> probe_incidents(const ApiClient& api, const std::string& token,
                                          long long last) {
  std::map<long long, json> found;
  for (long long id = 1; id <= last; ++id) {
    Response response = api.get(incident_path(id), token);
    if (response.status == 200 && response.json().is_object()) {
      found[id] = response.json();
    } else if (response.status != 404) {
      ADD_FAILURE() << "GET incident " << id << ": " << response.describe();
    }
  }
  return found;
}

/// A server that filters lists answers an invalid filter value with 400
/// (contract, lists); one that does not yet ignores the parameter.
bool list_filters_served(const ApiClient& api, const std::string& token) {
  return api.get("/api/incident?status=no-such-status&per_page=0", token).status == 400;
}

Groups group_by(const std::vector<json>& incidents, const std::string& field,
                const std::vector<std::string>& values) {
  Groups groups;
  for (const auto& value : values) groups[value];
  for (const auto& incident : incidents) groups[incident.value(field, "?")].insert(id_of(incident));
  return groups;
}

/// The groups as the list shows them: one filtered walk per value when the
/// server filters, else the unfiltered list's items grouped here.
Groups listed_groups(const ApiClient& api, const std::string& token, const std::string& field,
                     const std::vector<std::string>& values, const std::vector<json>& unfiltered,
                     bool filters) {
  if (!filters) return group_by(unfiltered, field, values);
  Groups groups;
  for (const auto& value : values) {
    ListWalk walk = walk_list(api, "/api/incident?" + field + "=" + value, token, 50);
    EXPECT_TRUE(walk.ok) << "list filtered by " << field << "=" << value << " failed";
    for (const auto& item : walk.items) {
      EXPECT_EQ(item.value(field, ""), value) << "filtered by " << field << ": " << item.dump();
      groups[value].insert(id_of(item));
    }
    EXPECT_EQ(walk.total, static_cast<long long>(groups[value].size()))
        << "x-total of the list filtered by " << field << "=" << value;
  }
  return groups;
}

/// Per value, the ids the list shows against those the GETs show.
void expect_same_groups(const Groups& listed, const Groups& stored, const std::string& field,
                        bool filters) {
  Groups all = listed;
  for (const auto& [value, ids] : stored) all[value];
  for (const auto& [value, ignored] : all) {
    IdSet shown = listed.count(value) ? listed.at(value) : IdSet{};
    IdSet held = stored.count(value) ? stored.at(value) : IdSet{};
    EXPECT_TRUE(shown == held) << "list " << (filters ? "filtered by " : "grouped by ") << field
                               << "=" << value << ": missing " << show(minus(held, shown))
                               << ", extra " << show(minus(shown, held));
  }
}

}  // namespace

int expect_history_kept(const ApiClient& api, const std::string& token, const LoadLedger& ledger) {
  int landed = 0;
  for (const auto& history : ledger.incidents) landed += expect_incident_kept(api, token, history);
  return landed;
}

void expect_indexes_match_data(const ApiClient& api, const std::string& token,
                               const LoadLedger& ledger, long long highest_id) {
  ASSERT_FALSE(ledger.incidents.empty()) << "an empty ledger proves nothing";
  IdSet known;
  for (const auto& history : ledger.incidents) known.insert(history.id);
  long long sentinel = id_of(create_incident(
      api, token, incident_fields(ledger.incidents[0].scope, ledger.incidents[0].service)));
  if (highest_id == 0) {
    ASSERT_GT(sentinel, *known.rbegin()) << "the incident id counter went back";
  } else {
    ASSERT_EQ(known.count(sentinel), 0u) << "an id handed out twice: " << sentinel;
    ASSERT_GE(highest_id, *known.rbegin()) << "the incident id counter went back";
  }
  known.insert(sentinel);

  ListWalk walk = walk_list(api, "/api/incident", token, 50);
  ASSERT_TRUE(walk.ok) << "walking the incident list failed";
  IdSet listed;
  for (const auto& item : walk.items)
    EXPECT_TRUE(listed.insert(id_of(item)).second) << "listed twice: " << id_of(item);
  std::map<long long, json> existing = probe_incidents(api, token, std::max(sentinel, highest_id));
  IdSet exists;
  std::vector<json> stored;
  for (const auto& [id, incident] : existing) {
    exists.insert(id);
    stored.push_back(incident);
  }

  EXPECT_EQ(walk.total, static_cast<long long>(exists.size())) << "x-total of the list";
  EXPECT_EQ(minus(exists, listed), IdSet{}) << "incidents that exist but are not listed";
  EXPECT_EQ(minus(listed, exists), IdSet{}) << "incidents listed but absent";
  for (const auto& item : walk.items) {
    auto found = existing.find(id_of(item));
    if (found != existing.end()) {
      EXPECT_EQ(item, found->second) << "list item and GET differ for incident " << found->first;
    }
  }
  EXPECT_EQ(minus(known, exists), IdSet{}) << "acknowledged creates lost";
  IdSet in_scope;  // other tests may have written other scopes
  for (const auto& [id, incident] : existing)
    if (incident.value("scope", 0LL) == ledger.incidents[0].scope) in_scope.insert(id);
  IdSet unknown = minus(in_scope, known);
  EXPECT_LE(unknown.size(), static_cast<std::size_t>(ledger.creates_in_doubt))
      << "incidents no acknowledged create made, beyond the creates in doubt: " << show(unknown);
  EXPECT_EQ(listed.count(sentinel), 1u) << "the incident created after the restart is not listed";

  bool filters = list_filters_served(api, token);
  expect_same_groups(listed_groups(api, token, "status", kStatuses, walk.items, filters),
                     group_by(stored, "status", kStatuses), "status", filters);
  expect_same_groups(listed_groups(api, token, "severity", kSeverities, walk.items, filters),
                     group_by(stored, "severity", kSeverities), "severity", filters);
}

}  // namespace e2e
