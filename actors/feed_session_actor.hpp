// One Server-Sent Events consumer of the change feed: it reads the stream
// after its cursor through storage, sends what its audience may see, and
// beats a heartbeat. It ends when its client goes away.
#pragma once

#include <caf/all.hpp>
#include <chrono>

#include "actors/messages.hpp"

namespace incident {

/// One read of the stream in flight at a time: asks made while one is in
/// flight coalesce into one more, so entries go out once and in order.
struct FeedReadGate {
  bool reading = false;
  bool wake_pending = false;  // asked again while a read was in flight
  /// True when a read may start now (it is then in flight); else notes the ask.
  bool begin() {
    if (reading) {
      wake_pending = true;
      return false;
    }
    reading = true;
    wake_pending = false;
    return true;
  }
};

/// Asks `storage` for up to `count` stream entries after `after` (or, when
/// empty, for where the stream ends); the answer comes back to `self` as
/// (feed_page_atom, Result<std::vector<FeedRecord>>).
void request_feed_page(caf::event_based_actor* self, const caf::actor& storage,
                       const std::string& after, int count);

caf::actor spawn_feed_session(caf::event_based_actor* hub, Subscription subscription,
                              caf::actor storage, std::chrono::seconds heartbeat);

}  // namespace incident
