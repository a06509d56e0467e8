// The HTTP front: a Pistache endpoint whose handler copies each request out of
// Pistache and dispatches it through the route table.
#pragma once

#include <atomic>
#include <memory>

#include "http/app.hpp"

namespace Pistache::Http {
class Endpoint;
}

namespace incident {

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
  std::shared_ptr<std::atomic<long>> in_flight_;
  std::shared_ptr<std::atomic<bool>> draining_;
  std::unique_ptr<Pistache::Http::Endpoint> endpoint_;
};

}  // namespace incident
