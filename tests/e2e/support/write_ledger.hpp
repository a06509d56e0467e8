// The record of a write load: every acknowledged write with what it did, and
// the writes whose outcome is unknown, so that a (restarted) server can be
// checked against exactly what its clients were told.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

/// One write to an existing incident: a comment, or an update that always
/// changes the status (so it always bumps the version and leaves an event).
struct WriteRecord {
  std::string kind;                                                // "comment" or "update"
  std::string text;                                                // comment
  std::string status_from, status_to, severity_from, severity_to;  // update

  /// The event this write appends, rendered as event_signature() renders it.
  std::string signature() const;
};

/// The event an incident shows for a write: "comment <text>" or
/// "update status a>b[ severity x>y]" (from the update's JSON content).
std::string event_signature(const nlohmann::json& event);

/// An incident whose creation was acknowledged. Only one load thread writes
/// to it, one request at a time, so its history is its acknowledged writes in
/// order, then at most one write whose outcome is unknown: after such a
/// write the load leaves the incident alone.
struct IncidentHistory {
  long long id = 0;
  std::string name;
  long long scope = 0, service = 0;
  std::string status = "active";  // after the last acknowledged write
  std::string severity;
  long long version = 1;
  std::vector<WriteRecord> acknowledged;
  std::optional<WriteRecord> in_doubt;
};

/// When an acknowledged write was first sent and when it was answered.
struct AcknowledgedAt {
  std::chrono::steady_clock::time_point sent, answered;
};

struct LoadLedger {
  std::vector<IncidentHistory> incidents;
  std::vector<AcknowledgedAt> timings;  // one per acknowledged write, creates included
  int retried = 0;                      // writes sent more than once (retry_in_doubt)
  int settled_by_precondition = 0;      // retries answered 412: an earlier attempt was kept
  int creates_in_doubt = 0;             // sent, not acknowledged: may or may not exist
  std::map<std::string, int> outcomes;  // "201", "302", "503", "no answer", ... -> count
  std::vector<std::string> malformed;   // answers that were not whole, valid HTTP/JSON
  std::vector<std::string> anomalies;   // answers the ledger says are wrong

  long long acknowledged_writes() const;
  void merge(LoadLedger other);
  /// One line for logs: counts of incidents, writes and outcomes.
  std::string summary() const;
};

}  // namespace e2e
