// The way back to a waiting HTTP client: a copyable handle on Pistache's
// ResponseWriter that actors may call from any thread, exactly once.
#pragma once

#include <atomic>
#include <memory>

#include "http/api_request.hpp"

namespace Pistache::Http {
class ResponseWriter;
}

namespace incident {

class Responder {
 public:
  /// `in_flight` counts requests not answered yet (for a graceful stop).
  Responder(Pistache::Http::ResponseWriter writer, std::shared_ptr<std::atomic<long>> in_flight);
  /// Writes the response; later calls are ignored.
  void send(const ApiResponse& response) const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace incident
