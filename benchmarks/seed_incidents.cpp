// Loads N synthetic incidents (varied status, severity, scope, service and
// dates) through the storage layer's own code path: the same commit script
// the server runs, pipelined. Usage: seed_incidents <redis-uri> <count> [prefix]
//
// Adds to what is stored: ids come from the server's own counter (INCRBY), the
// scopes and services are created only when missing (by name), and the
// generator is seeded with the first new id, so running it twice (10,000 then
// 990,000) gives 1,000,000 incidents drawn from the same distribution:
//   - 20 scopes (uniform), 50 services (Zipf-like: service 1 the busiest);
//   - severity critical 5%, high 15%, moderate 30%, low 30%, minor 20%;
//   - status resolved 90%, stable 3%, investigating 3%, active 4%;
//   - start of impact uniform over 2023-01-01 .. 2025-12-31 (three years);
//   - external reference REF-<id % 1000> on 60%, a description on half.
//
// SEED_EVENTS=N (default 1) gives each incident N events, written as the
// server writes them: created active (with the change feed's creation
// `changes`), then an update (apply_update) to its drawn status and dates
// unless it stays active, then comments (add_comment) up to N; each change is
// its own commit expecting the previous version, so the events lists and the
// change stream hold what the API's creates, updates and comments leave. With
// 1, an incident is stored at once in its drawn status, as before.
// SEED_STREAM_MAXLEN (default 1000000) is the stream's cap passed to each
// commit (the server's own default, --stream-maxlen, is 200000).
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "domain/lifecycle.hpp"
#include "storage/catalog_store.hpp"
#include "storage/incident_store.hpp"

namespace {

using namespace incident;

constexpr int kScopes = 20;
constexpr int kServices = 50;
constexpr int kInFlight = 2000;         // commits queued at once: keeps the pipeline full
const Minute kEpoch = 27'875'520;       // 2023-01-01T00:00
const Minute kSpan = 1096LL * 24 * 60;  // three years: 2023-01-01 .. 2025-12-31

bool make_catalog(CatalogStore& catalog, const std::string& kind, int size) {
  for (int i = 1; i <= size; ++i) {
    std::promise<bool> done;
    catalog.create(kind, CatalogCreateRequest{kind + " " + std::to_string(i), std::nullopt},
                   [&](Result<CatalogView> r) {
                     done.set_value(r.ok() || r.error().kind == ErrorKind::conflict);
                   });
    if (!done.get_future().get()) return false;
  }
  return true;
}

/// The fields' distributions (weights in enum order).
struct Distributions {
  std::discrete_distribution<int> severity{5, 15, 30, 30, 20};  // critical .. minor
  std::discrete_distribution<int> status{4, 3, 3, 90};          // active .. resolved
  std::uniform_int_distribution<int> scope{1, kScopes};
  std::discrete_distribution<int> service = zipf(kServices);
  std::uniform_int_distribution<Minute> start{kEpoch, kEpoch + kSpan - 1};
  std::uniform_int_distribution<int> percent{0, 99};

  static std::discrete_distribution<int> zipf(int n) {
    std::vector<double> weights;
    for (int i = 1; i <= n; ++i) weights.push_back(1.0 / std::pow(i, 0.8));
    return std::discrete_distribution<int>(weights.begin(), weights.end());
  }
};

/// A synthetic incident as created (active, version 1, its creation event)
/// and the status it is drawn to reach: its fields vary with a seeded generator.
struct Synthetic {
  Incident created;
  Status status;
};

Synthetic synthetic(Id id, std::mt19937_64& random, Distributions& d) {
  CreateRequest request{"Synthetic incident " + std::to_string(id),
                        std::nullopt,
                        std::nullopt,
                        std::nullopt,
                        static_cast<Severity>(d.severity(random)),
                        static_cast<Id>(d.scope(random)),
                        static_cast<Id>(1 + d.service(random)),
                        d.start(random)};
  if (d.percent(random) < 60) request.external_reference = "REF-" + std::to_string(id % 1000);
  if (d.percent(random) < 50)
    request.description = "Synthetic description of incident " + std::to_string(id) +
                          ": degraded responses for some customers.";
  Incident created = create_incident(request, id, *request.start_impact_date + 5);
  return {std::move(created), static_cast<Status>(d.status(random))};
}

/// When the incident reached `state`: 10, 20 and 30 minutes after its start of impact.
Minute reached(const Incident& incident, Status state) {
  return incident.start_impact_date + 10 * static_cast<int>(state);
}

/// The incident stored at once in its drawn status (SEED_EVENTS=1).
Incident in_drawn_status(const Synthetic& s) {
  Incident incident = s.created;
  incident.status = s.status;
  if (incident.status >= Status::investigating)
    incident.investigation_date = reached(incident, Status::investigating);
  if (incident.status >= Status::stable) incident.stable_date = reached(incident, Status::stable);
  if (incident.status >= Status::resolved)
    incident.resolve_date = reached(incident, Status::resolved);
  return incident;
}

/// The commits that give the incident `events` events (see the top): each
/// one's `before` is the previous one's `after`.
std::vector<CommitRequest> changes_of(const Synthetic& s, int events) {
  const Incident& created = s.created;
  if (events <= 1) {
    Incident incident = in_drawn_status(s);
    return {CommitRequest{
        "incident.created", std::nullopt, incident, incident.events.front(), {}, std::nullopt}};
  }
  std::vector<CommitRequest> out{CommitRequest{"incident.created", std::nullopt, created,
                                               created.events.front(), creation_changes(created),
                                               std::nullopt}};
  Incident current = created;
  if (s.status > Status::active) {
    UpdateRequest request;
    request.name = created.name;
    request.severity = created.severity;
    request.status = s.status;
    request.scope = created.scope;
    request.service = created.service;
    if (s.status >= Status::investigating)
      request.investigation_date =
          FieldUpdate<Minute>::set(reached(created, Status::investigating));
    if (s.status >= Status::stable)
      request.stable_date = FieldUpdate<Minute>::set(reached(created, Status::stable));
    if (s.status >= Status::resolved)
      request.resolve_date = FieldUpdate<Minute>::set(reached(created, Status::resolved));
    auto change = apply_update(current, request, reached(created, s.status));
    if (change && change->changed()) {
      Event event = change->next.events.front();
      out.push_back(CommitRequest{"incident.updated", current, change->next, std::move(event),
                                  std::move(change->changes), std::nullopt});
      current = std::move(change->next);
    }
  }
  for (int n = static_cast<int>(out.size()) + 1; n <= events; ++n) {
    CommentRequest comment{"Synthetic comment " + std::to_string(n) + " on incident " +
                               std::to_string(created.id) + ": the mitigation is being checked.",
                           false};
    Incident next = add_comment(current, comment, reached(created, Status::resolved) + n);
    Event event = next.events.front();
    out.push_back(CommitRequest{"incident.commented", current, next, std::move(event),
                                nlohmann::json::object(), std::nullopt});
    current = std::move(next);
  }
  return out;
}

/// An environment variable's integer value, or `fallback` when it is unset.
long long env_integer(const char* name, long long fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoll(value) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <redis-uri> <count> [key-prefix]\n", argv[0]);
    return 2;
  }
  auto endpoint = parse_redis_uri(argv[1]);
  long long count = std::atoll(argv[2]);
  const int events = static_cast<int>(env_integer("SEED_EVENTS", 1));
  const long long stream_max_length = env_integer("SEED_STREAM_MAXLEN", 1000000);
  if (!endpoint || count <= 0 || events < 1 || stream_max_length < 1)
    return std::fprintf(stderr, "bad arguments\n"), 2;
  RedisPipeline pipeline(*endpoint, std::chrono::milliseconds(5000));
  Keys keys(argc > 3 ? argv[3] : "pm");
  IncidentStore incidents(pipeline, keys,
                          FeedOptions{"http://127.0.0.1", stream_max_length, "seed"});
  CatalogStore catalog(pipeline, keys);
  if (!make_catalog(catalog, "scope", kScopes) || !make_catalog(catalog, "service", kServices))
    return std::fprintf(stderr, "cannot create scopes and services\n"), 1;
  std::promise<Id> first_id;
  pipeline.submit({"INCRBY", keys.incident_next_id(), std::to_string(count)},
                  [&](const RedisValue& v) { first_id.set_value(v.integer - count + 1); });
  Id first = first_id.get_future().get();
  std::mt19937_64 random(42 + static_cast<std::uint64_t>(first));  // a new batch, new draws
  Distributions distributions;
  std::atomic<long long> pending{0}, failed{0};
  long long commits = 0;
  auto started = std::chrono::steady_clock::now();
  for (long long i = 0; i < count; ++i) {
    while (pending >= kInFlight) std::this_thread::yield();
    // One connection runs the commits in order: each finds the version the previous one left.
    for (const CommitRequest& change :
         changes_of(synthetic(first + i, random, distributions), events)) {
      ++pending;
      ++commits;
      incidents.commit(change, [&](CommitResult r) {
        if (!r || r->status != CommitOutcome::Status::committed) ++failed;
        --pending;
      });
    }
  }
  while (pending > 0) std::this_thread::yield();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("seeded %lld incidents (ids %lld..%lld) in %.1f s (%.0f/s), %lld failed", count,
              static_cast<long long>(first), static_cast<long long>(first + count - 1), seconds,
              count / seconds, failed.load());
  if (events > 1)
    std::printf("; %d events each, %lld commits (%.0f/s)", events, commits, commits / seconds);
  std::printf("\n");
  return failed == 0 ? 0 : 1;
}
