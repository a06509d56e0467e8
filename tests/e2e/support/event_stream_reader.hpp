// Reads Server-Sent Events from GET /api/incident/stream as a browser would:
// one long response, chunked, parsed into events as they arrive.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace e2e {

struct ServerSentEvent {
  std::string id;  // empty for a heartbeat comment
  std::string type;
  std::string data;
};

class EventStreamReader {
 public:
  /// Opens the stream with these extra headers; status() tells how it went.
  EventStreamReader(int port, const std::vector<std::pair<std::string, std::string>>& headers,
                    const std::string& target = "/api/incident/stream");
  ~EventStreamReader();
  EventStreamReader(const EventStreamReader&) = delete;
  EventStreamReader& operator=(const EventStreamReader&) = delete;

  int status() const { return status_; }
  /// True once the server ended the stream (or it never opened).
  bool closed() const { return fd_ < 0 || closed_; }
  /// Reads until `count` events (heartbeats included when wanted) arrived or
  /// `timeout_ms` passed; returns what arrived.
  std::vector<ServerSentEvent> read(std::size_t count, int timeout_ms, bool with_heartbeats);

 private:
  bool fill(int timeout_ms);
  bool next_event(ServerSentEvent& event);

  int fd_ = -1;
  int status_ = 0;
  bool closed_ = false;
  std::string raw_;   // bytes as received (chunked)
  std::string body_;  // de-chunked body not yet parsed into events
};

}  // namespace e2e
