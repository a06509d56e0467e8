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

/// A synthetic incident: its fields vary with a seeded generator.
Incident synthetic(Id id, std::mt19937_64& random, Distributions& d) {
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
  Incident incident = create_incident(request, id, *request.start_impact_date + 5);
  incident.status = static_cast<Status>(d.status(random));
  Minute stamp = incident.start_impact_date + 10;
  if (incident.status >= Status::investigating) incident.investigation_date = stamp;
  if (incident.status >= Status::stable) incident.stable_date = stamp + 10;
  if (incident.status >= Status::resolved) incident.resolve_date = stamp + 20;
  return incident;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <redis-uri> <count> [key-prefix]\n", argv[0]);
    return 2;
  }
  auto endpoint = parse_redis_uri(argv[1]);
  long long count = std::atoll(argv[2]);
  if (!endpoint || count <= 0) return std::fprintf(stderr, "bad arguments\n"), 2;
  RedisPipeline pipeline(*endpoint, std::chrono::milliseconds(5000));
  Keys keys(argc > 3 ? argv[3] : "pm");
  IncidentStore incidents(pipeline, keys, FeedOptions{"http://127.0.0.1", 1000000, "seed"});
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
  auto started = std::chrono::steady_clock::now();
  for (long long i = 0; i < count; ++i) {
    while (pending >= kInFlight) std::this_thread::yield();
    Incident incident = synthetic(first + i, random, distributions);
    ++pending;
    incidents.commit(
        CommitRequest{
            "incident.created", std::nullopt, incident, incident.events.front(), {}, std::nullopt},
        [&](CommitResult r) {
          if (!r || r->status != CommitOutcome::Status::committed) ++failed;
          --pending;
        });
  }
  while (pending > 0) std::this_thread::yield();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("seeded %lld incidents (ids %lld..%lld) in %.1f s (%.0f/s), %lld failed\n", count,
              static_cast<long long>(first), static_cast<long long>(first + count - 1), seconds,
              count / seconds, failed.load());
  return failed == 0 ? 0 : 1;
}
