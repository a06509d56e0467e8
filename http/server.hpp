// The HTTP front: Pistache's TCP listener and reactors carry the bytes; our
// own HTTP/1.1 parser turns them into requests (repeated query parameters,
// early size limits, pipelining) dispatched through the route table.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "http/app.hpp"

namespace Pistache::Tcp {
class Listener;
}

namespace incident {

class Admission;
class ConnectionMonitor;

class HttpServer {
 public:
  explicit HttpServer(std::shared_ptr<const App> app);
  ~HttpServer();

  /// Binds and serves on background threads; throws when it cannot bind.
  void start();
  /// Answers new requests with 503 and waits (up to `limit`) for those in flight.
  void drain(std::chrono::milliseconds limit);
  void stop();

 private:
  std::shared_ptr<const App> app_;
  std::shared_ptr<Admission> admission_;
  std::shared_ptr<std::atomic<bool>> draining_;
  std::shared_ptr<ConnectionMonitor> monitor_;
  std::unique_ptr<Pistache::Tcp::Listener> listener_;
};

}  // namespace incident
