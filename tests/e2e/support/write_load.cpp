// Each worker owns the incidents it creates and writes them one request at a
// time, which is what lets the ledger say exactly what each incident must
// look like afterwards. An answer decides a write's fate: acknowledged (2xx
// or 302), not sent (no connection), or in doubt (anything else: the server
// may have committed it before failing to answer).
#include "write_load.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>

#include "fixtures.hpp"
#include "form_encoding.hpp"
#include "keep_alive_client.hpp"
#include "tokens.hpp"

namespace e2e {

namespace {

const std::vector<std::string> kSeverities = {"critical", "high", "moderate", "low", "minor"};

/// The next status in a cycle through all four (down to active after resolved):
/// an update always changes the status, so it always bumps the version.
std::string next_status(const std::string& status) {
  if (status == "active") return "investigating";
  if (status == "investigating") return "stable";
  if (status == "stable") return "resolved";
  return "active";
}

enum class Verdict { not_sent, acknowledged, in_doubt };

}  // namespace

class WriteLoad::Worker {
 public:
  Worker(const LoadOptions& options, int index, const std::atomic<int>& port,
         const std::atomic<bool>& stop, std::atomic<long long>& acknowledged)
      : options_(options),
        index_(index),
        port_(port),
        stop_(stop),
        acknowledged_(acknowledged),
        random_(std::random_device{}() + static_cast<unsigned>(index)) {}

  void run() {
    while (!stop_) {
      int roll = percent();
      IncidentHistory* incident = writable_incident();
      if (incident == nullptr || roll < 20) {
        create();
      } else if (options_.reads && roll >= 80) {
        read();
      } else if (roll < 55) {
        update(*incident);
      } else {
        comment(*incident);
      }
    }
  }

  LoadLedger ledger;

 private:
  int percent() { return static_cast<int>(pick(100)); }
  /// A uniformly random index below size (> 0).
  std::size_t pick(std::size_t size) {
    return std::uniform_int_distribution<std::size_t>(0, size - 1)(random_);
  }
  const std::string& any_severity() { return kSeverities[pick(kSeverities.size())]; }
  std::string label() { return "t" + std::to_string(index_) + " #" + std::to_string(++counter_); }

  /// A random incident of this worker with no write in doubt, or nullptr.
  IncidentHistory* writable_incident() {
    std::vector<IncidentHistory*> candidates;
    for (auto& incident : ledger.incidents)
      if (!incident.in_doubt) candidates.push_back(&incident);
    if (candidates.empty()) return nullptr;
    return candidates[pick(candidates.size())];
  }

  /// POSTs a form; half the writes ask for the representation, so both the
  /// 302 and the 2xx answers are exercised.
  Exchange post(const std::string& target, const Fields& fields, bool representation,
                const Headers& extra = {}) {
    Headers headers = {{"Authorization", "Bearer " + options_.token},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    if (representation) headers.emplace_back("Prefer", "return=representation");
    headers.insert(headers.end(), extra.begin(), extra.end());
    return client_.request(port_, "POST", target, headers, form_encode(fields));
  }

  /// Records the outcome, checks the answer is well-formed, and decides.
  Verdict judge(const Exchange& exchange, const std::string& what) {
    const Response& response = exchange.response;
    std::string outcome = exchange.delivery == Delivery::answered ? std::to_string(response.status)
                                                                  : to_string(exchange.delivery);
    ++ledger.outcomes[outcome];
    switch (exchange.delivery) {
      case Delivery::not_sent:
        // The server is down (crashed, stopping or restarting): do not spin.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return Verdict::not_sent;
      case Delivery::no_answer:
        return Verdict::in_doubt;
      case Delivery::malformed:
        ledger.malformed.push_back(what + ": " + response.describe());
        return Verdict::in_doubt;
      case Delivery::answered:
        break;
    }
    // Every answer of this API is JSON (302 included); 204 has no body at all.
    bool json_ok = response.status == 204 ? response.body.empty()
                                          : response.is_json() && !response.json().is_discarded();
    if (!json_ok) {
      ledger.malformed.push_back(what + ": body is not JSON: " + response.describe());
      return Verdict::in_doubt;
    }
    if (response.status == 302 && response.header_or_empty("Location").empty()) {
      ledger.malformed.push_back(what + ": 302 without Location");
      return Verdict::in_doubt;
    }
    if (response.status / 100 == 2 || response.status == 302) return Verdict::acknowledged;
    if (response.status == 502 || response.status == 503 || response.status == 504) {
      // Draining, Redis unreachable, or (from a proxy) a server that failed
      // mid-answer: the write may still have been committed just before.
      // Wait as Retry-After asks, as clients do.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return Verdict::in_doubt;
    }
    ledger.anomalies.push_back(what + ": " + response.describe());
    return Verdict::in_doubt;
  }

  void create() {
    IncidentHistory incident;
    incident.name = "Load incident " + label();
    incident.scope = options_.scope;
    incident.service = options_.service;
    incident.severity = any_severity();
    bool representation = percent() < 50;
    Fields fields = {{"scope", std::to_string(incident.scope)},
                     {"service", std::to_string(incident.service)},
                     {"name", incident.name},
                     {"severity", incident.severity}};
    Headers extra;
    if (options_.retry_in_doubt) extra.emplace_back("Idempotency-Key", "load " + incident.name);
    std::string what = "create '" + incident.name + "'";
    Exchange exchange;
    Verdict verdict =
        send_settled([&] { return post("/api/incident/create", fields, representation, extra); },
                     what, exchange);
    if (verdict == Verdict::not_sent) return;
    if (verdict == Verdict::in_doubt) return void(++ledger.creates_in_doubt);
    nlohmann::json body = exchange.response.json();
    incident.id = representation ? id_of(body)
                                 : id_from_location(exchange.response.header_or_empty("Location"));
    if (incident.id <= 0) {
      ledger.anomalies.push_back(what + ": no id in " + exchange.response.describe());
      return void(++ledger.creates_in_doubt);
    }
    if (representation && (body.value("version", 0LL) != 1 || body.value("status", "") != "active"))
      ledger.anomalies.push_back(what + ": created as " + exchange.response.describe());
    ledger.incidents.push_back(incident);
    ++acknowledged_;
  }

  /// Sends a write once, or, when retrying, until it is settled: the first
  /// attempt's time is kept for the ledger's timings. A 412 of a retry is
  /// an acknowledgement (the attempt before was kept), told by `settled`.
  template <class Send>
  Verdict send_settled(Send send, const std::string& what, Exchange& exchange,
                       bool* settled_by_precondition = nullptr) {
    auto sent = std::chrono::steady_clock::now();
    exchange = send();
    Verdict verdict = judge(exchange, what);
    bool retried = false;
    while (options_.retry_in_doubt && verdict != Verdict::acknowledged && can_retry(exchange)) {
      retried = true;
      exchange = send();
      if (exchange.delivery == Delivery::answered && exchange.response.status == 412 &&
          settled_by_precondition) {
        ++ledger.outcomes["412"];
        *settled_by_precondition = true;
        ++ledger.settled_by_precondition;
        verdict = Verdict::acknowledged;
        break;
      }
      verdict = judge(exchange, what);
    }
    if (retried) ++ledger.retried;
    if (verdict == Verdict::acknowledged)
      ledger.timings.push_back({sent, std::chrono::steady_clock::now()});
    return verdict;
  }

  /// Whether a write that was not acknowledged is worth sending again: it
  /// was in doubt or not sent, and the load is not long past its end.
  bool can_retry(const Exchange& exchange) {
    if (exchange.delivery == Delivery::answered) {
      int status = exchange.response.status;
      if (status != 502 && status != 503 && status != 504) return false;  // a real refusal
    }
    if (!stop_) return true;
    if (!settle_deadline_) {
      settle_deadline_ =
          std::chrono::steady_clock::now() + std::chrono::seconds(options_.settle_seconds);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return std::chrono::steady_clock::now() < *settle_deadline_;
  }

  void update(IncidentHistory& incident) {
    WriteRecord write{"update",          "",
                      incident.status,   next_status(incident.status),
                      incident.severity, any_severity()};
    Fields fields = {{"scope", std::to_string(incident.scope)},
                     {"service", std::to_string(incident.service)},
                     {"name", incident.name},
                     {"severity", write.severity_to},
                     {"status", write.status_to}};
    write_to(incident, write, "/update", fields);
  }

  void comment(IncidentHistory& incident) {
    WriteRecord write{"comment", "load comment " + label(), "", "", "", ""};
    write_to(incident, write, "/comment", {{"comment", write.text}});
  }

  /// Sends a write to an existing incident (with If-Match when retrying) and
  /// records it according to its answer.
  void write_to(IncidentHistory& incident, const WriteRecord& write, const std::string& action,
                const Fields& fields) {
    bool representation = percent() < 50;
    Headers extra;
    if (options_.retry_in_doubt)
      extra.emplace_back("If-Match", "\"" + std::to_string(incident.version) + "\"");
    std::string what = write.signature() + " on incident " + std::to_string(incident.id);
    Exchange exchange;
    bool kept_earlier = false;
    Verdict verdict = send_settled(
        [&] { return post(incident_path(incident.id) + action, fields, representation, extra); },
        what, exchange, &kept_earlier);
    apply(incident, write, exchange, verdict, kept_earlier);
  }

  /// Records a write to an existing incident according to its verdict.
  void apply(IncidentHistory& incident, const WriteRecord& write, const Exchange& exchange,
             Verdict verdict, bool kept_earlier) {
    std::string what = write.signature() + " on incident " + std::to_string(incident.id);
    if (verdict == Verdict::not_sent) return;
    if (verdict == Verdict::in_doubt) return void(incident.in_doubt = write);
    if (write.kind == "update") {
      incident.status = write.status_to;
      incident.severity = write.severity_to;
    }
    ++incident.version;
    incident.acknowledged.push_back(write);
    ++acknowledged_;
    if (kept_earlier) return;  // a 412: nothing to compare
    nlohmann::json body = exchange.response.json();
    bool representation = exchange.response.status == 200;
    if (representation && (body.value("version", 0LL) != incident.version ||
                           body.value("status", "") != incident.status ||
                           body.value("severity", "") != incident.severity))
      ledger.anomalies.push_back(what + ": expected version " + std::to_string(incident.version) +
                                 ", got " + exchange.response.describe());
  }

  /// A GET of one of this worker's incidents (which must show every write
  /// acknowledged so far: nobody else writes it) or of a list page.
  void read() {
    if (percent() < 50 || ledger.incidents.empty()) {
      Exchange exchange = client_.request(port_, "GET", "/api/incident?per_page=10",
                                          {{"Authorization", "Bearer " + options_.token}});
      if (judge(exchange, "list page") == Verdict::acknowledged &&
          !exchange.response.json()["items"].is_array())
        ledger.anomalies.push_back("list page: " + exchange.response.describe());
      return;
    }
    const IncidentHistory& incident = ledger.incidents[pick(ledger.incidents.size())];
    Exchange exchange = client_.request(port_, "GET", incident_path(incident.id),
                                        {{"Authorization", "Bearer " + options_.token}});
    std::string what = "GET incident " + std::to_string(incident.id);
    if (judge(exchange, what) != Verdict::acknowledged) return;
    long long version = exchange.response.json().value("version", 0LL);
    bool expected =
        version == incident.version || (incident.in_doubt && version == incident.version + 1);
    if (!expected)
      ledger.anomalies.push_back(what + ": expected version " + std::to_string(incident.version) +
                                 ", got " + exchange.response.describe());
  }

  const LoadOptions& options_;
  int index_;
  const std::atomic<int>& port_;
  const std::atomic<bool>& stop_;
  std::atomic<long long>& acknowledged_;
  std::mt19937 random_;
  KeepAliveClient client_;
  int counter_ = 0;
  std::optional<std::chrono::steady_clock::time_point> settle_deadline_;
};

WriteLoad::WriteLoad(LoadOptions options, int port) : options_(std::move(options)), port_(port) {
  for (int i = 0; i < options_.threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(options_, i, port_, stop_, acknowledged_));
    threads_.emplace_back([worker = workers_.back().get()] { worker->run(); });
  }
}

WriteLoad::~WriteLoad() { finish(); }

bool WriteLoad::wait_for_acknowledged(long long count, int seconds) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (acknowledged_ < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

LoadLedger WriteLoad::finish() {
  stop_ = true;
  LoadLedger merged;
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    if (threads_[i].joinable()) threads_[i].join();
    merged.merge(std::move(workers_[i]->ledger));
  }
  threads_.clear();
  workers_.clear();
  return merged;
}

LoadOptions load_options_for(const ApiClient& api, const std::string& secret) {
  LoadOptions options;
  options.token = issue_token(api, TokenRequest(secret));
  EXPECT_FALSE(options.token.empty()) << "no token";
  options.scope = id_of(create_catalog(api, options.token, "scope"));
  options.service = id_of(create_catalog(api, options.token, "service"));
  EXPECT_GT(options.scope, 0);
  EXPECT_GT(options.service, 0);
  return options;
}

}  // namespace e2e
