// The feed hub: owns the Server-Sent Events sessions of this process and
// wakes them whenever the change feed moves.
#pragma once

#include <caf/all.hpp>
#include <chrono>
#include <memory>

#include "metrics/metrics.hpp"

namespace incident {

/// `metrics`, when given, counts the sessions.
caf::actor spawn_feed_hub(caf::actor_system& system, caf::actor storage,
                          std::chrono::seconds heartbeat,
                          std::shared_ptr<metrics::FeedMetrics> metrics = nullptr);

}  // namespace incident
