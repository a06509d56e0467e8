// Incident persistence over a RedisPipeline: load, allocate ids, commit
// atomically with version check, and read list pages. Callbacks run on the
// pipeline's I/O thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "domain/list_query.hpp"
#include "domain/pagination.hpp"
#include "storage/dataset_guard.hpp"
#include "storage/keys.hpp"
#include "storage/list_scan.hpp"
#include "storage/page_ref_cache.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/store_errors.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// Index entries one list may examine by default (benchmarks/list_cost.sh
/// finds the costliest list this accepts and what it costs Redis).
constexpr std::int64_t kDefaultListBudget = 20000;

class IncidentStore {
 public:
  /// `guard` (optional) learns every id reserved, to keep counters from going back.
  IncidentStore(RedisPipeline& pipeline, Keys keys, FeedOptions feed = {},
                std::shared_ptr<DatasetGuard> guard = nullptr)
      : pipeline_(pipeline),
        keys_(std::move(keys)),
        feed_(std::move(feed)),
        guard_(std::move(guard)) {}

  /// The stored incident, or nullopt when there is none. `confirmed` reads
  /// over the writes connection, so the answer is one the replicas hold (a
  /// failover cannot take it back), at the cost of queueing behind its WAITs.
  void load(Id id, std::function<void(LoadResult)> done, bool confirmed = false);
  /// A fresh, never used incident id.
  void next_id(std::function<void(IdResult)> done);
  /// Reserves `count` fresh ids at once; answers the last of them (the block
  /// is [last - count + 1, last]).
  void reserve_ids(Id count, std::function<void(IdResult)> done);
  /// Writes request.after (or deletes request.before) if the stored version
  /// still equals request.before's version (0 for a create), and appends the
  /// change to the stream in the same script.
  void commit(const CommitRequest& request, std::function<void(CommitResult)> done);
  /// Commits chained changes of one incident (each one's `before` is the
  /// previous one's `after`; a delete or a create only alone) as one atomic
  /// write checked against the first one's version.
  void commit_chain(const std::vector<CommitRequest>& chain,
                    std::function<void(CommitResult)> done);
  /// The ids and versions of one page of the incidents passing `filter`, in
  /// list order, and their total, as one state of Redis held them; a 400
  /// naming "query", with nothing read, when the page would examine more
  /// index entries than the list budget allows.
  /// A page of one index key read lately is answered from what was read then
  /// when the change stream did not move since, unless `fresh`.
  /// `examined_before`: entries earlier reads of the same list examined (a
  /// page read again); they count against the budget.
  void list_refs(const PageRequest& page, const IncidentFilter& filter,
                 std::function<void(Result<IncidentRefPage>)> done, bool fresh = false,
                 std::int64_t examined_before = 0);
  /// The stored incidents `ids` (nullopt for those there are none of), in
  /// their order, read in one transaction over the list connection.
  void load_many(const std::vector<Id>& ids,
                 std::function<void(Result<std::vector<std::optional<Incident>>>)> done);
  /// One page of the incidents themselves: list_refs, then load_many of
  /// them (an item deleted in between is left out; one changed is newer).
  void list(const PageRequest& page, const IncidentFilter& filter,
            std::function<void(Result<IncidentPage>)> done);

  /// Most index entries one list page may examine (see the page script).
  void set_list_budget(std::int64_t entries) { list_budget_ = entries; }
  /// Lists go over `reads` (a connection of their own, which must outlive the
  /// store): reading and answering a page never delays a commit's reply.
  void set_list_pipeline(RedisPipeline* reads) { list_pipeline_ = reads; }
  /// Commits go over `writes` (which must outlive the store): one whose
  /// writes wait for replicas, so that loads never queue behind its WAITs.
  void set_commit_pipeline(RedisPipeline* writes) { commit_pipeline_ = writes; }
  /// The pages read lately, answered again while the change stream did not
  /// move (shared with whoever clears it on a failover).
  void set_page_refs(std::shared_ptr<PageRefCache> pages) { page_refs_ = std::move(pages); }

  const Keys& keys() const { return keys_; }

 private:
  RedisPipeline& pipeline_;
  Keys keys_;
  FeedOptions feed_;
  std::shared_ptr<DatasetGuard> guard_;
  std::int64_t list_budget_ = kDefaultListBudget;
  RedisPipeline* list_pipeline_ = nullptr;    // null: lists share pipeline_
  RedisPipeline* commit_pipeline_ = nullptr;  // null: commits share pipeline_
  std::unique_ptr<ScanQueue> scans_ = std::make_unique<ScanQueue>();
  std::shared_ptr<PageRefCache> page_refs_ = std::make_shared<PageRefCache>();
};

/// Decodes an {flat hash, events} pair as the load and page scripts return it.
std::optional<Incident> decode_stored_incident(const RedisValue& pair);
/// Decodes an incident from its flat hash and its events, as HGETALL and
/// LRANGE return them; nullopt when the hash is empty (no such incident).
std::optional<Incident> decode_stored_incident(const RedisValue& hash, const RedisValue& events);

}  // namespace incident
