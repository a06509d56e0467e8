// Signatures make "this acknowledged write is visible" a plain string
// comparison between what the load sent and the events the server shows.
#include "write_ledger.hpp"

#include <sstream>

namespace e2e {

namespace {

std::string transition(const std::string& field, const std::string& from, const std::string& to) {
  return " " + field + " " + from + ">" + to;
}

/// " field old>new" for a field an update event's content records, else "".
std::string changed(const nlohmann::json& content, const std::string& field) {
  if (!content.contains(field) || !content[field].is_array() || content[field].size() != 2)
    return "";
  auto text = [](const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
  };
  return transition(field, text(content[field][0]), text(content[field][1]));
}

}  // namespace

std::string WriteRecord::signature() const {
  if (kind == "comment") return "comment " + text;
  std::string out = "update" + transition("status", status_from, status_to);
  if (severity_from != severity_to) out += transition("severity", severity_from, severity_to);
  return out;
}

std::string event_signature(const nlohmann::json& event) {
  std::string type = event.value("type", "");
  if (type == "comment") return "comment " + event.value("content", "");
  if (type != "update") return type;
  auto content = nlohmann::json::parse(event.value("content", ""), nullptr, false);
  return "update" + changed(content, "status") + changed(content, "severity");
}

long long LoadLedger::acknowledged_writes() const {
  long long count = static_cast<long long>(incidents.size());
  for (const auto& incident : incidents) count += incident.acknowledged.size();
  return count;
}

void LoadLedger::merge(LoadLedger other) {
  for (auto& incident : other.incidents) incidents.push_back(std::move(incident));
  creates_in_doubt += other.creates_in_doubt;
  for (const auto& [outcome, count] : other.outcomes) outcomes[outcome] += count;
  for (auto& text : other.malformed) malformed.push_back(std::move(text));
  for (auto& text : other.anomalies) anomalies.push_back(std::move(text));
  timings.insert(timings.end(), other.timings.begin(), other.timings.end());
  retried += other.retried;
  settled_by_precondition += other.settled_by_precondition;
}

std::string LoadLedger::summary() const {
  int in_doubt = 0;
  for (const auto& incident : incidents) in_doubt += incident.in_doubt.has_value();
  std::ostringstream out;
  out << incidents.size() << " incidents, " << acknowledged_writes() << " acknowledged writes, "
      << in_doubt << " writes and " << creates_in_doubt << " creates in doubt; outcomes:";
  for (const auto& [outcome, count] : outcomes) out << " " << outcome << "=" << count;
  return out.str();
}

}  // namespace e2e
