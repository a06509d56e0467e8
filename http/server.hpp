// The HTTP front: Pistache's TCP listener and reactors carry the bytes; our
// own HTTP/1.1 parser turns them into requests (repeated query parameters,
// early size limits, pipelining) dispatched through the route table.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "http/app.hpp"
#include "http/routes.hpp"

namespace Pistache::Tcp {
class Listener;
}

namespace incident {

class Admission;
class ConnectionMonitor;

class HttpServer {
 public:
  /// The API's listener, or the metrics listener (--metrics-port), which
  /// serves only health and metrics. Both share the App's draining flag.
  explicit HttpServer(std::shared_ptr<const App> app, Listener listener = Listener::api);
  ~HttpServer();

  /// Binds and serves on background threads; throws when it cannot bind.
  void start();
  /// Answers new requests with 503 and waits (up to `limit`) for those in flight.
  void drain(std::chrono::milliseconds limit);
  void stop();

 private:
  std::shared_ptr<const App> app_;
  Listener listener_role_;
  std::shared_ptr<Admission> admission_;
  std::shared_ptr<std::atomic<bool>> draining_;
  std::shared_ptr<ConnectionMonitor> monitor_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
};

}  // namespace incident
