// The way back to a waiting HTTP client: a copyable handle on one answer
// slot of a connection, which actors may fill from any thread, exactly once.
#pragma once

#include <cstdint>
#include <memory>

#include "domain/feed_view.hpp"
#include "http/api_request.hpp"
#include "http/request_trace.hpp"

namespace incident {

class Admission;
class Connection;
class RequestObserver;

class Responder {
 public:
  /// How the answer must be framed for the request it answers.
  struct Framing {
    bool keep_alive = true;  // false when the client asked to close after this answer
    bool omit_body = false;  // a HEAD request
    bool http10 = false;     // an HTTP/1.0 client: nothing chunked
  };
  /// Counts the request (and its `body_bytes`) in `admission` until it is
  /// answered: for the server's bounds and for a graceful stop. The answer
  /// carries `trace.id` as X-Request-Id, and `observer` (if any) sees it.
  Responder(std::shared_ptr<Connection> connection, std::uint64_t slot, Framing framing,
            std::shared_ptr<Admission> admission, std::int64_t body_bytes, RequestTrace trace,
            std::shared_ptr<const RequestObserver> observer);
  /// The name of the verified token the request came with, for the log
  /// (call before handing the responder to another thread).
  void set_token(const std::string& name) const;
  const RequestTrace& trace() const;
  /// Headers added to whatever answer is sent (call before handing the
  /// responder to another thread).
  void add_headers(std::vector<std::pair<std::string, std::string>> headers) const;
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
