// A list that reads more than one index key (values OR-ed, filters AND-ed),
// run as a sequence of short Redis calls instead of one long one: the keys'
// counts first (the plan is judged against the budget before anything is
// read), then scan steps of a bounded amount of work each, then one
// transaction reading the page's items. Between two steps Redis serves
// everyone else, so a costly list delays a commit by one step at most.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "domain/pagination.hpp"
#include "storage/keys.hpp"
#include "storage/list_plan.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// Index entries one scan step may examine: about a millisecond of Redis.
constexpr std::int64_t kScanStepEntries = 500;

struct ListScanRequest {
  IndexPlan plan;  // more than one key in all
  PageRequest page;
  std::int64_t budget;  // index entries the whole list may examine
  std::string incident_prefix;
};

/// Runs the scan over `reads`; `done` is called once, on its I/O thread.
/// `running` counts the scans in flight (shared by the store's callers).
void run_list_scan(RedisPipeline& reads, ListScanRequest request,
                   std::shared_ptr<std::atomic<int>> running,
                   std::function<void(Result<IncidentPage>)> done);

/// Index entries a plan examines, from each group's per-key counts in range:
/// one group of several keys merges up to offset + count members of each; more
/// groups scan the smallest and look each member up in every key of the others.
std::int64_t list_scan_cost(const std::vector<std::vector<std::int64_t>>& counts,
                            const PageRequest& page);

}  // namespace incident
