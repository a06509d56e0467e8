// Scopes and services in Redis: one code path for both, `kind` is "scope" or
// "service". Writes append their change to the stream atomically and answer
// its message in CatalogView::feed_message. Callbacks run on the I/O thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "domain/pagination.hpp"
#include "storage/dataset_guard.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"
#include "storage/store_types.hpp"

namespace incident {

class CatalogStore {
 public:
  using Done = std::function<void(Result<CatalogView>)>;

  /// `guard` (optional) learns every id reserved, to keep counters from going back.
  CatalogStore(RedisPipeline& pipeline, Keys keys, FeedOptions feed = {},
               std::shared_ptr<DatasetGuard> guard = nullptr)
      : pipeline_(pipeline),
        keys_(std::move(keys)),
        feed_(std::move(feed)),
        guard_(std::move(guard)) {}

  void get(const std::string& kind, Id id, Done done);
  void list(const std::string& kind, const PageRequest& page,
            std::function<void(Result<CatalogPage>)> done);
  /// 409 naming `name` when another entry of the kind has that name.
  void create(const std::string& kind, const CatalogCreateRequest& request, Done done);
  void update(const std::string& kind, Id id, const CatalogUpdateRequest& request, Done done);
  /// 409 when incidents still use the entry; answers the deleted entry.
  void remove(const std::string& kind, Id id, Done done);

  /// Writes go over `writes` (which must outlive the store): one whose
  /// writes wait for replicas, apart from the reads.
  void set_write_pipeline(RedisPipeline* writes) { writes_ = writes; }

 private:
  RedisPipeline& writes() { return writes_ ? *writes_ : pipeline_; }

  RedisPipeline& pipeline_;
  RedisPipeline* writes_ = nullptr;  // null: writes share pipeline_
  Keys keys_;
  FeedOptions feed_;
  std::shared_ptr<DatasetGuard> guard_;
};

}  // namespace incident
