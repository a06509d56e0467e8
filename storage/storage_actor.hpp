// The storage actor: the one owner of the Redis keys and scripts. Incident actors
// (and the registry, for creates) send it loads and commits with their handle
// and get loaded_atom / committed_atom back from the I/O thread; the registry
// `request`s blocks of ids; lists and catalog operations arrive with a reply
// callback.
// Committed changes are handed to the notifier, which publishes them over the
// same connection.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "metrics/metrics.hpp"
#include "storage/dataset_guard.hpp"
#include "storage/incident_store.hpp"
#include "storage/page_ref_cache.hpp"
#include "storage/redis_pipeline.hpp"

namespace incident {

struct StorageSettings {
  std::string key_prefix = "pm";
  std::string base_url;  // for links inside change-feed messages
  long long stream_max_length = kDefaultStreamMaxLength;
  std::string origin;                             // this process's id in the stream entries it adds
  std::shared_ptr<DatasetGuard> guard;            // optional: learns every id reserved
  std::int64_t list_budget = kDefaultListBudget;  // index entries one list page may examine
  std::chrono::seconds stream_retention{0};       // 0: the stream is trimmed by count only
  std::shared_ptr<metrics::Metrics> metrics;      // optional: counts the trims by age
  std::shared_ptr<PageRefCache> page_refs;        // optional: shared to be cleared on a failover
};

/// Spawns the storage actor, which stops `connection` (and `answers`) when it
/// ends; `notifier` receives every committed change. Incidents' loads, commits
/// and ids go over `connection`; everything else (lists, change-feed reads,
/// scopes and services, rate counts) over `answers` when given, so it never
/// queues in front of a commit or its reply. With `writes` (a pipeline that
/// waits for replicas), incident commits, scope and service writes and the
/// event streams' reads go over it instead, so loads and other reads never
/// wait behind its WAITs.
caf::actor spawn_storage(caf::actor_system& system, StorageSettings settings,
                         std::shared_ptr<RedisPipeline> connection, caf::actor notifier,
                         std::shared_ptr<RedisPipeline> answers = nullptr,
                         std::shared_ptr<RedisPipeline> writes = nullptr);

}  // namespace incident
