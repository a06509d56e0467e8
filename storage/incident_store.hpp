// Incident persistence over a RedisPipeline: load, allocate ids, commit
// atomically with version check, and read list pages. Callbacks run on the
// pipeline's I/O thread.
#pragma once

#include <functional>

#include "domain/list_query.hpp"
#include "domain/pagination.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// The error every operation reports when Redis cannot be reached in time.
Error storage_unavailable();

class IncidentStore {
 public:
  IncidentStore(RedisPipeline& pipeline, Keys keys, FeedOptions feed = {})
      : pipeline_(pipeline), keys_(std::move(keys)), feed_(std::move(feed)) {}

  /// The stored incident, or nullopt when there is none.
  void load(Id id, std::function<void(LoadResult)> done);
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
  /// One page of the incidents passing `filter`, in list order, and their total.
  void list(const PageRequest& page, const IncidentFilter& filter,
            std::function<void(Result<IncidentPage>)> done);

  const Keys& keys() const { return keys_; }

 private:
  RedisPipeline& pipeline_;
  Keys keys_;
  FeedOptions feed_;
};

/// Decodes an {flat hash, events} pair as the load and page scripts return it.
std::optional<Incident> decode_stored_incident(const RedisValue& pair);

}  // namespace incident
