// End-to-end on the high-availability topology of scripts/ha-local.sh: a
// Redis primary and two replicas, three sentinels (down-after 1000 ms), two
// incident-api processes with --redis-replicas-ack 1 behind HAProxy. The
// tests stop replicas, kill the primary twice under a retrying write load,
// and kill an API process, and then check that nothing acknowledged was lost
// or applied twice: in the data, in the change stream and in an event
// stream read across it all.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api_client.hpp"
#include "event_stream_reader.hpp"
#include "fixtures.hpp"
#include "ha_topology.hpp"
#include "store_audit.hpp"
#include "tokens.hpp"
#include "write_load.hpp"

namespace e2e {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long long ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

/// (incident id, version) of every incident change in a list of messages.
using Change = std::pair<long long, long long>;

std::optional<Change> incident_change(const std::string& data) {
  auto message = nlohmann::json::parse(data, nullptr, false);
  if (!message.is_object() || !message.contains("type") || !message.contains("version"))
    return std::nullopt;
  const std::string type = message["type"].get<std::string>();
  if (type.rfind("incident.", 0) != 0) return std::nullopt;
  return Change{message["id"].get<long long>(), message["version"].get<long long>()};
}

/// Reads GET /api/incident/stream through the proxy for as long as it runs,
/// reconnecting with Last-Event-ID whenever the stream ends, as a browser's
/// EventSource does; keeps every change it was sent, in order.
class ReconnectingStreamReader {
 public:
  explicit ReconnectingStreamReader(int port) : port_(port), thread_([this] { run(); }) {}
  ~ReconnectingStreamReader() { stop(); }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Change> changes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return changes_;
  }
  int reconnections() const { return reconnections_; }
  bool opened() const { return opened_; }

 private:
  void run() {
    std::string last_id;
    while (!stop_) {
      Headers headers;
      if (!last_id.empty()) headers.emplace_back("Last-Event-ID", last_id);
      EventStreamReader stream(port_, headers);
      if (stream.status() != 200) {
        std::this_thread::sleep_for(milliseconds(200));
        continue;
      }
      opened_ = true;
      while (!stop_ && !stream.closed()) {
        for (const auto& event : stream.read(64, 200, false)) {
          last_id = event.id;
          if (auto change = incident_change(event.data)) {
            std::lock_guard<std::mutex> lock(mutex_);
            changes_.push_back(*change);
          }
        }
      }
      if (!stop_) ++reconnections_;
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> opened_{false};
  std::atomic<int> reconnections_{0};
  mutable std::mutex mutex_;
  std::vector<Change> changes_;
  std::thread thread_;
};

/// The changes every acknowledged write of the ledger made: versions 1 (the
/// create) to the incident's last, for each incident.
std::set<Change> acknowledged_changes(const LoadLedger& ledger) {
  std::set<Change> changes;
  for (const auto& incident : ledger.incidents)
    for (long long version = 1; version <= incident.version; ++version)
      changes.insert({incident.id, version});
  return changes;
}

/// Each acknowledged change appears exactly once in `seen` (which may hold
/// other incidents' changes too, each at most once).
void expect_each_once(const std::vector<Change>& seen, const std::set<Change>& acknowledged,
                      const std::string& where) {
  std::map<Change, int> counts;
  for (const auto& change : seen) ++counts[change];
  int missing = 0, repeated = 0;
  for (const auto& change : acknowledged)
    if (counts[change] == 0 && ++missing <= 5)
      ADD_FAILURE() << where << ": incident " << change.first << " version " << change.second
                    << " is missing";
  for (const auto& [change, count] : counts)
    if (count > 1 && ++repeated <= 5)
      ADD_FAILURE() << where << ": incident " << change.first << " version " << change.second
                    << " appears " << count << " times";
  EXPECT_EQ(missing, 0) << where;
  EXPECT_EQ(repeated, 0) << where;
}

/// The first write acknowledged among those first sent after `moment`:
/// milliseconds from `moment` to its answer, -1 when there is none.
long long first_write_after(const LoadLedger& ledger, Clock::time_point moment) {
  std::optional<Clock::time_point> first;
  for (const auto& timing : ledger.timings)
    if (timing.sent >= moment && (!first || timing.answered < *first)) first = timing.answered;
  return first ? ms_between(moment, *first) : -1;
}

class HighAvailabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    topology_ = new HaTopology({"--redis-replicas-ack", "1", "--redis-replicas-ack-timeout-ms",
                                "1000", "--sse-heartbeat-seconds", "2"});
  }
  static void TearDownTestSuite() {
    delete topology_;
    topology_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(topology_->ready()) << topology_->failure();
    api_ = std::make_unique<ApiClient>(HttpClient("127.0.0.1", topology_->proxy_port()));
  }
  void TearDown() override {
    if (HasFailure()) std::cout << topology_->logs();
  }

  /// The load's ledger, checked: no malformed answer, no anomaly, nothing
  /// left in doubt, and the store holds exactly the acknowledged history.
  void expect_ledger_kept(const LoadLedger& ledger, const std::string& token) {
    std::cout << "load: " << ledger.summary() << "; retried " << ledger.retried
              << ", settled by a 412 " << ledger.settled_by_precondition << "\n";
    EXPECT_TRUE(ledger.malformed.empty()) << ::testing::PrintToString(ledger.malformed);
    EXPECT_TRUE(ledger.anomalies.empty()) << ::testing::PrintToString(ledger.anomalies);
    EXPECT_EQ(ledger.creates_in_doubt, 0);
    for (const auto& incident : ledger.incidents)
      EXPECT_FALSE(incident.in_doubt) << "incident " << incident.id << " left in doubt";
    EXPECT_EQ(expect_history_kept(*api_, token, ledger), 0);
    // Two processes hand out ids from blocks each reserved: probe up to the
    // counter.
    std::string counter = redis_text(topology_->primary_port(), {"GET", "pm:incident:next_id"});
    expect_indexes_match_data(*api_, token, ledger, std::atoll(counter.c_str()));
  }

  /// Restarts every Redis an earlier test killed and waits until it is a
  /// linked replica: a primary that dies then leaves one to take its place
  /// with a replica of its own, without which no write can be confirmed.
  void revive_killed_redis() {
    for (int port : topology_->redis_ports()) {
      if (!topology_->role_of(port).empty()) continue;
      ASSERT_TRUE(topology_->restart_redis(port)) << port;
      auto deadline = Clock::now() + std::chrono::seconds(60);
      while (!topology_->replica_linked(port) && Clock::now() < deadline)
        std::this_thread::sleep_for(milliseconds(100));
      ASSERT_TRUE(topology_->replica_linked(port)) << port << " did not rejoin as a replica";
    }
  }

  /// A fresh token, scope, service and incident, and where Redis stands.
  struct Subject {
    LoadOptions options;
    nlohmann::json incident;
    long long id = 0;
    int primary = 0;
    std::vector<int> replicas;  // those alive
  };
  Subject new_subject() {
    Subject subject;
    subject.options = load_options_for(*api_, topology_->secret());
    subject.incident =
        create_incident(*api_, subject.options.token,
                        incident_fields(subject.options.scope, subject.options.service));
    subject.id = id_of(subject.incident);
    EXPECT_GT(subject.id, 0);
    subject.primary = topology_->primary_port();
    EXPECT_NE(subject.primary, 0);
    for (int port : topology_->redis_ports())
      if (port != subject.primary && !topology_->role_of(port).empty())
        subject.replicas.push_back(port);
    EXPECT_FALSE(subject.replicas.empty());
    return subject;
  }

  static HaTopology* topology_;
  std::unique_ptr<ApiClient> api_;
};

HaTopology* HighAvailabilityTest::topology_ = nullptr;

TEST_F(HighAvailabilityTest, WithBothReplicasStoppedWritesAre503AndReadsKeepWorking) {
  Subject subject = new_subject();
  ASSERT_FALSE(HasFailure());
  const auto& [options, incident, id, primary, replicas] = subject;
  for (int port : replicas) topology_->pause_redis(port, true);

  Headers keyed = {{"Idempotency-Key", "while the replicas are stopped"}};
  Fields create = merged(incident_fields(options.scope, options.service),
                         {{"name", "Created while the replicas are stopped"}});
  Response refused_create = api_->post_form("/api/incident/create", create, options.token, keyed);
  Response refused_update = api_->post_form(incident_path(id) + "/update",
                                            update_fields(incident, {{"status", "investigating"}}),
                                            options.token, {{"If-Match", "\"1\""}});
  // Its retry, while no replica holds the first attempt: a failover could
  // still drop that attempt, so the retry is not told it was kept (412).
  Response retried_update = api_->post_form(incident_path(id) + "/update",
                                            update_fields(incident, {{"status", "investigating"}}),
                                            options.token, {{"If-Match", "\"1\""}});
  Response read = api_->get(incident_path(id), options.token);
  Response list = api_->get("/api/incident?per_page=5", options.token);
  Response health = api_->get("/health");
  for (int port : replicas) topology_->pause_redis(port, false);

  for (const Response* refused : {&refused_create, &refused_update, &retried_update}) {
    EXPECT_EQ(refused->status, 503) << refused->describe();
    ASSERT_TRUE(refused->is_json()) << refused->describe();
    EXPECT_FALSE(refused->header_or_empty("Retry-After").empty()) << refused->describe();
  }
  // The update ran on the primary: the answer says it may have been kept.
  // (A create may say so too, or, when its process first had to reserve
  // ids, that nothing was kept: the reservation waits for replicas too.)
  EXPECT_NE(refused_update.json().value("message", "").find("may or may not have been kept"),
            std::string::npos)
      << refused_update.describe();
  EXPECT_EQ(read.status, 200) << read.describe();
  EXPECT_EQ(list.status, 200) << list.describe();
  EXPECT_EQ(health.status, 200) << health.describe();

  // Once the replicas are back, the retries settle: the create with its key
  // yields one incident, the update with its If-Match one change.
  Response created;
  for (int attempt = 0; attempt < 100; ++attempt) {
    created = api_->post_form("/api/incident/create", create, options.token, keyed);
    if (created.status != 503) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(created.status == 201 || created.status == 302) << created.describe();
  Response updated;
  for (int attempt = 0; attempt < 100; ++attempt) {
    updated = api_->post_form(incident_path(id) + "/update",
                              update_fields(incident, {{"status", "investigating"}}), options.token,
                              {{"If-Match", "\"1\""}});
    if (updated.status != 503) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  // The refused update was kept by the primary: its retry is told so (412).
  EXPECT_EQ(updated.status, 412) << updated.describe();
  nlohmann::json now = fetch_incident(*api_, id, options.token);
  EXPECT_EQ(now.value("version", 0), 2) << now.dump();
  EXPECT_EQ(now.value("status", ""), "investigating");
  ListWalk all = walk_list(*api_, "/api/incident", options.token, 50);
  ASSERT_TRUE(all.ok);
  int named = 0;
  for (const auto& item : all.items)
    named += item.value("name", "") == "Created while the replicas are stopped";
  EXPECT_EQ(named, 1) << "the create and its retry, in: " << all.items.size() << " incidents, "
                      << created.describe();
}

TEST_F(HighAvailabilityTest, KillingThePrimaryTwiceUnderLoadLosesNoAcknowledgedWrite) {
  LoadOptions options = load_options_for(*api_, topology_->secret());
  ASSERT_FALSE(HasFailure());
  options.threads = 4;
  options.retry_in_doubt = true;
  ReconnectingStreamReader reader(topology_->proxy_port());
  for (int i = 0; i < 100 && !reader.opened(); ++i) std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(reader.opened()) << "no event stream through the proxy";
  auto load_start = Clock::now();
  WriteLoad load(options, topology_->proxy_port());
  ASSERT_TRUE(load.wait_for_acknowledged(100, 60)) << "the load made no progress";
  std::this_thread::sleep_for(milliseconds(2000));

  // First failover: the primary dies.
  const int first = topology_->primary_port();
  ASSERT_NE(first, 0);
  auto first_kill = Clock::now();
  topology_->kill_redis(first);
  const int second = topology_->wait_for_new_primary(first, milliseconds(30000));
  ASSERT_NE(second, 0) << "the sentinels elected no new primary";
  auto first_elected = Clock::now();
  long long before = load.acknowledged();
  ASSERT_TRUE(load.wait_for_acknowledged(before + 100, 60)) << "no progress after the failover";

  // The old primary comes back, and the sentinels make it a replica.
  ASSERT_TRUE(topology_->restart_redis(first));
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (!topology_->replica_linked(first) && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(topology_->replica_linked(first)) << "the old primary did not rejoin as a replica";

  // Second failover, with the old primary among the replicas.
  // The primary now: the sentinels may have moved it by themselves meanwhile
  // (a primary too busy to answer them within down-after).
  const int current = topology_->primary_port();
  ASSERT_NE(current, 0);
  if (current != second) std::cout << "the sentinels moved the primary to " << current << "\n";
  auto second_kill = Clock::now();
  topology_->kill_redis(current);
  const int third = topology_->wait_for_new_primary(current, milliseconds(30000));
  ASSERT_NE(third, 0) << "the sentinels elected no primary the second time";
  auto second_elected = Clock::now();
  before = load.acknowledged();
  ASSERT_TRUE(load.wait_for_acknowledged(before + 100, 60)) << "no progress after failover 2";
  while (Clock::now() - load_start < std::chrono::seconds(22))
    std::this_thread::sleep_for(milliseconds(100));
  LoadLedger ledger = load.finish();
  auto load_end = Clock::now();

  std::cout << "load ran " << ms_between(load_start, load_end) << " ms; primaries " << first
            << " -> " << second << " -> " << current << " -> " << third << "\n";
  std::cout << "failover 1: elected after " << ms_between(first_kill, first_elected)
            << " ms, first write acknowledged " << first_write_after(ledger, first_kill)
            << " ms after the kill\n";
  std::cout << "failover 2: elected after " << ms_between(second_kill, second_elected)
            << " ms, first write acknowledged " << first_write_after(ledger, second_kill)
            << " ms after the kill\n";
  RecordProperty("failover1_window_ms", std::to_string(first_write_after(ledger, first_kill)));
  RecordProperty("failover2_window_ms", std::to_string(first_write_after(ledger, second_kill)));
  EXPECT_GT(ledger.retried, 0) << "no write was in doubt: the kills missed the load";
  expect_ledger_kept(ledger, options.token);

  // The change stream on the last primary holds every acknowledged change
  // once; the event stream, read across both failovers, sent each once.
  const std::set<Change> acknowledged = acknowledged_changes(ledger);
  std::vector<Change> in_stream;
  for (const auto& [id, data] : stream_entries(third, "pm:incidents:stream"))
    if (auto change = incident_change(data)) in_stream.push_back(*change);
  expect_each_once(in_stream, acknowledged, "the change stream");
  auto caught_up = Clock::now() + std::chrono::seconds(30);
  auto has_all = [&] {
    auto seen = reader.changes();
    std::set<Change> distinct(seen.begin(), seen.end());
    return std::includes(distinct.begin(), distinct.end(), acknowledged.begin(),
                         acknowledged.end());
  };
  while (!has_all() && Clock::now() < caught_up) std::this_thread::sleep_for(milliseconds(200));
  reader.stop();
  std::cout << "event stream: " << reader.changes().size() << " changes, " << reader.reconnections()
            << " reconnections\n";
  expect_each_once(reader.changes(), acknowledged, "the event stream");
}

TEST_F(HighAvailabilityTest, AnApiProcessKilledBehindTheProxyLosesNothingAndIsTakenOut) {
  LoadOptions options = load_options_for(*api_, topology_->secret());
  ASSERT_FALSE(HasFailure());
  options.threads = 4;
  options.retry_in_doubt = true;
  WriteLoad load(options, topology_->proxy_port());
  ASSERT_TRUE(load.wait_for_acknowledged(100, 60)) << "the load made no progress";
  const int victim_port = topology_->api_ports().front();
  ASSERT_TRUE(topology_->proxy_servers_up()[victim_port]) << "the proxy never had it up";
  ::kill(topology_->api_pids().front(), SIGKILL);
  auto killed = Clock::now();
  long long before = load.acknowledged();
  ASSERT_TRUE(load.wait_for_acknowledged(before + 200, 60)) << "no progress after the kill";
  // Two failed checks 500 ms apart take it out.
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (topology_->proxy_servers_up()[victim_port] && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(100));
  auto taken_out = Clock::now();
  auto states = topology_->proxy_servers_up();
  EXPECT_FALSE(states[victim_port]) << "the proxy still sends requests to the dead process";
  for (int port : topology_->api_ports())
    if (port != victim_port) {
      EXPECT_TRUE(states[port]) << "the live process " << port;
    }
  std::cout << "the proxy took the killed process out after " << ms_between(killed, taken_out)
            << " ms\n";
  LoadLedger ledger = load.finish();
  expect_ledger_kept(ledger, options.token);
}

TEST_F(HighAvailabilityTest, AWriteInDoubtWhenThePrimaryDiesEndsAppliedOnceAfterItsRetry) {
  revive_killed_redis();
  ASSERT_FALSE(HasFatalFailure());
  Subject subject = new_subject();
  ASSERT_FALSE(HasFailure());
  const auto& [options, incident, id, primary, replicas] = subject;
  // The primary takes the update, no replica receives it, and the primary dies.
  for (int port : replicas) topology_->pause_redis(port, true);
  Fields update = update_fields(incident, {{"status", "stable"}});
  Headers follows_1 = {{"If-Match", "\"1\""}};
  Response in_doubt =
      api_->post_form(incident_path(id) + "/update", update, options.token, follows_1);
  topology_->kill_redis(primary);
  for (int port : replicas) topology_->pause_redis(port, false);
  EXPECT_EQ(in_doubt.status, 503) << "with --redis-replicas-ack 0 this would be a success, lost "
                                     "in the failover: "
                                  << in_doubt.describe();
  ASSERT_NE(topology_->wait_for_new_primary(primary, milliseconds(30000)), 0);

  // The client retries as told. Whether the write reached a replica after
  // all (replication bytes already in its socket when it was stopped) or
  // was lost, the incident ends with exactly one change.
  Response retried;
  for (int attempt = 0; attempt < 200; ++attempt) {
    retried = api_->post_form(incident_path(id) + "/update", update, options.token, follows_1);
    if (retried.status != 503 && retried.status != 502) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_TRUE(retried.status == 200 || retried.status == 302 || retried.status == 412)
      << retried.describe();
  std::cout << "the write in doubt was " << (retried.status == 412 ? "kept" : "lost")
            << " by the failover\n";
  nlohmann::json now = fetch_incident(*api_, id, options.token);
  EXPECT_EQ(now.value("version", 0), 2) << now.dump();
  EXPECT_EQ(now.value("status", ""), "stable");
  EXPECT_EQ(events_of_type(now, "update").size(), 1u) << now.dump();
}

}  // namespace
}  // namespace e2e
