// One Server-Sent Events consumer of the change feed: it reads the stream
// after its cursor through storage, sends what its audience may see, and
// beats a heartbeat. It ends when its client goes away.
#pragma once

#include <caf/all.hpp>
#include <chrono>

#include "actors/messages.hpp"

namespace incident {

caf::actor spawn_feed_session(caf::event_based_actor* hub, Subscription subscription,
                              caf::actor storage, std::chrono::seconds heartbeat);

}  // namespace incident
