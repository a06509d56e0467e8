// A list that reads more than one index key (values OR-ed, filters AND-ed),
// run as a sequence of short Redis calls instead of one long one: the keys'
// counts first (the plan is judged against the budget before anything is
// read), then scan steps of a bounded amount of work each, then one
// transaction reading the page's items. Between two steps Redis serves
// everyone else, so a costly list delays a commit by one step at most.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "domain/pagination.hpp"
#include "storage/keys.hpp"
#include "storage/list_plan.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// Index entries one scan step may examine: well under a millisecond of Redis.
constexpr std::int64_t kScanStepEntries = 250;
/// Scans waiting for their turn, beyond the one running; more get a 503.
constexpr std::size_t kMaxWaitingScans = 64;

struct ListScanRequest {
  IndexPlan plan;  // more than one key in all
  PageRequest page;
  std::int64_t budget;  // index entries the whole list may examine
  std::string incident_prefix;
};

/// Runs a process's scans one at a time, in arrival order: one scan's steps
/// alternate with everyone else's commands in Redis, whereas several at once
/// would queue their steps in front of commits. Thread-safe.
class ScanQueue {
 public:
  /// Runs `scan` now or after those waiting; false (and nothing runs) when
  /// kMaxWaitingScans already wait. `scan` must call `finished` once, when done.
  bool submit(std::function<void(std::function<void()> finished)> scan);

 private:
  void start(std::function<void(std::function<void()> finished)> scan);
  void next();

  std::mutex mutex_;
  bool running_ = false;
  std::deque<std::function<void(std::function<void()>)>> waiting_;
};

/// Runs the list: counts its keys, refuses it over the budget, and runs its
/// steps at once when they are few, else in its turn in `queue`; answers the
/// page's ids with their versions, all read in one transaction. `done` is
/// called once, on the I/O thread of `reads`.
void run_list_scan(RedisPipeline& reads, ListScanRequest request, ScanQueue& queue,
                   std::function<void(Result<IncidentRefPage>)> done);

/// Index entries a plan examines, from each group's per-key counts in range:
/// one group of several keys merges up to offset + count members of each; more
/// groups scan the smallest and look each member up in every key of the others.
std::int64_t list_scan_cost(const std::vector<std::vector<std::int64_t>>& counts,
                            const PageRequest& page);

}  // namespace incident
