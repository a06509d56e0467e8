// The change stream's retention by age (--stream-retention): entries older
// than it are trimmed, except those webhook delivery still needs; the count
// cap (--stream-maxlen) that every XADD applies bounds the stream whatever
// delivery does. Every process trims on its own: a trim is idempotent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "domain/result.hpp"
#include "storage/keys.hpp"
#include "storage/redis_pipeline.hpp"

namespace incident {

struct StreamTrim {
  std::int64_t removed = 0;  // entries removed (whole radix-tree nodes: `~`)
  std::string kept_from;     // the oldest id the trim kept (an entry at or after it)
};

/// Trims the change stream of entries older than `retention` by Redis'
/// clock, keeping what the webhook group has not read or acknowledged. `done` runs on the
/// pipeline's I/O (or reply) thread.
void trim_change_stream(RedisPipeline& pipeline, const Keys& keys, std::chrono::seconds retention,
                        std::function<void(Result<StreamTrim>)> done);

}  // namespace incident
