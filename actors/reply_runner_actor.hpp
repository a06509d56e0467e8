// The reply runner: an actor with a thread of its own that runs what Redis
// replies lead to for lists, change-feed reads, scopes and services and rate
// counts (decoding, rendering, with rate limiting a whole handler), so the
// thread that reads Redis replies only reads them, and the actor threads
// serving incidents are not held up either.
#pragma once

#include <caf/all.hpp>

#include "storage/redis_pipeline.hpp"

namespace incident {

caf::actor spawn_reply_runner(caf::actor_system& system);

/// An executor for a RedisPipeline that hands each callback to `runner`.
ReplyExecutor run_replies_in(caf::actor runner);

}  // namespace incident
