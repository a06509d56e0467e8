// What handlers need to reach: settings, the token service and the actors.
#pragma once

#include <atomic>
#include <caf/all.hpp>
#include <memory>

#include "actors/ready_incidents.hpp"
#include "config/settings.hpp"
#include "http/auth.hpp"
#include "http/render_cache.hpp"
#include "metrics/metrics.hpp"

namespace incident {

class RequestObserver;
namespace webhooks {
class Dispatcher;
class HostCheck;
}  // namespace webhooks

struct App {
  Settings settings;
  TokenService tokens;
  caf::actor registry;
  caf::actor catalog;
  caf::actor storage;
  caf::actor feed_hub;
  caf::actor supervisor;                      // answers the health check by asking every singleton
  std::shared_ptr<metrics::Metrics> metrics;  // always kept; served unless --metrics=off
  std::shared_ptr<const RequestObserver> observer;  // access log and request counts
  /// Set when the server stops taking requests (SIGTERM): /health/ready says 503.
  std::shared_ptr<std::atomic<bool>> draining = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<webhooks::Dispatcher> webhooks;  // null with --webhooks=off: replays refused
  std::shared_ptr<webhooks::HostCheck> host_check;
  /// Renderings of list items (--render-cache-bytes; 0 keeps none).
  std::shared_ptr<RenderCache> render_cache = std::make_shared<RenderCache>(0);
  /// Incidents idle and current at their actors: GETs answered without a message (optional).
  std::shared_ptr<ReadyIncidents> ready = nullptr;
};

}  // namespace incident
