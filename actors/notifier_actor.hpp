// The notifier actor: publishes every committed change on the change channels
// over its own Redis connection, in commit order.
#pragma once

#include <caf/all.hpp>

#include "storage/redis_endpoint.hpp"

namespace incident {

caf::actor spawn_notifier(caf::actor_system& system, RedisEndpoint endpoint);

}  // namespace incident
