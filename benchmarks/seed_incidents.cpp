// Loads N synthetic incidents (varied status, severity, scope, service and
// dates) through the storage layer's own code path: the same commit script
// the server runs, pipelined. Usage: seed_incidents <redis-uri> <count> [prefix]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <string>

#include "domain/lifecycle.hpp"
#include "storage/catalog_store.hpp"
#include "storage/incident_store.hpp"

namespace {

using namespace incident;

constexpr int kCatalogSize = 20;
constexpr int kInFlight = 2000;    // commits queued at once: keeps the pipeline full
const Minute kEpoch = 29'300'000;  // 2025-09: dates spread over the following year

bool make_catalog(CatalogStore& catalog, const std::string& kind) {
  for (int i = 1; i <= kCatalogSize; ++i) {
    std::promise<bool> done;
    catalog.create(kind, CatalogCreateRequest{kind + " " + std::to_string(i), std::nullopt},
                   [&](Result<CatalogView> r) {
                     done.set_value(r.ok() || r.error().kind == ErrorKind::conflict);
                   });
    if (!done.get_future().get()) return false;
  }
  return true;
}

/// A synthetic incident: its fields vary with a seeded generator.
Incident synthetic(Id id, std::mt19937_64& random) {
  CreateRequest request{"Synthetic incident " + std::to_string(id),
                        std::nullopt,
                        "REF-" + std::to_string(id % 1000),
                        std::nullopt,
                        static_cast<Severity>(random() % 5),
                        static_cast<Id>(1 + random() % kCatalogSize),
                        static_cast<Id>(1 + random() % kCatalogSize),
                        kEpoch + static_cast<Minute>(random() % (365 * 24 * 60))};
  Incident incident = create_incident(request, id, *request.start_impact_date + 5);
  incident.status = static_cast<Status>(random() % 4);
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
  IncidentStore incidents(pipeline, keys, FeedOptions{"http://127.0.0.1", 1000000});
  CatalogStore catalog(pipeline, keys);
  if (!make_catalog(catalog, "scope") || !make_catalog(catalog, "service"))
    return std::fprintf(stderr, "cannot create scopes and services\n"), 1;
  std::promise<Id> first_id;
  pipeline.submit({"INCRBY", keys.incident_next_id(), std::to_string(count)},
                  [&](const RedisValue& v) { first_id.set_value(v.integer - count + 1); });
  Id first = first_id.get_future().get();
  std::mt19937_64 random(42);
  std::atomic<long long> pending{0}, failed{0};
  auto started = std::chrono::steady_clock::now();
  for (long long i = 0; i < count; ++i) {
    while (pending >= kInFlight) std::this_thread::yield();
    Incident incident = synthetic(first + i, random);
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
