// The way back to a waiting HTTP client: a copyable handle on Pistache's
// ResponseWriter that actors may call from any thread, exactly once.
#pragma once

#include <atomic>
#include <memory>

#include "domain/feed_view.hpp"
#include "http/api_request.hpp"

namespace Pistache::Http {
class ResponseWriter;
}
namespace Pistache::Tcp {
class Transport;
}

namespace incident {

class Responder {
 public:
  /// `in_flight` counts requests not answered yet (for a graceful stop);
  /// `transport` is the connection's reactor transport (for event streams).
  Responder(Pistache::Http::ResponseWriter writer, std::shared_ptr<std::atomic<long>> in_flight,
            Pistache::Tcp::Transport* transport);
  /// For HEAD requests: send status and headers only.
  void omit_body() const;
  /// Writes the response; later calls are ignored.
  void send(const ApiResponse& response) const;
  /// Answers 200 text/event-stream and returns the sink that writes events
  /// (an empty function if a response was already sent).
  EventSink open_event_stream() const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace incident
