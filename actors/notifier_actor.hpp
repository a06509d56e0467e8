// The notifier actor: publishes every committed change on the change channels,
// in commit order, over the storage's connection: its PUBLISHes ride in the
// batches already on their way to Redis instead of waking a connection of
// their own for every change.
#pragma once

#include <caf/all.hpp>
#include <memory>

#include "storage/redis_pipeline.hpp"

namespace incident {

caf::actor spawn_notifier(caf::actor_system& system, std::shared_ptr<RedisPipeline> connection);

}  // namespace incident
