// Reads of the change stream for HTTP consumers (Server-Sent Events): the
// entries after a given id, and the id of the newest entry.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/result.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"

namespace incident {

struct FeedRecord {
  std::string id;    // stream entry id
  std::string data;  // the message JSON
};

class FeedStore {
 public:
  FeedStore(RedisPipeline& pipeline, Keys keys) : pipeline_(pipeline), keys_(std::move(keys)) {}

  /// Up to `count` entries strictly after `after_id`, oldest first.
  void read_after(const std::string& after_id, int count,
                  std::function<void(Result<std::vector<FeedRecord>>)> done);
  /// The newest entry's id ("0-0" when the stream is empty).
  void newest_id(std::function<void(Result<std::string>)> done);

 private:
  RedisPipeline& pipeline_;
  Keys keys_;
};

/// True for a stream id as Redis writes them: "<ms>-<seq>".
bool is_stream_id(const std::string& text);

}  // namespace incident
