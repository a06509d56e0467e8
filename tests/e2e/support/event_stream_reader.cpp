// EventStreamReader: de-chunks the body incrementally and splits it into
// events at blank lines ("id:", "event:", "data:" fields; ":" comments).
#include "event_stream_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <chrono>

#include "socket_io.hpp"

namespace e2e {
namespace {

/// Moves the complete chunks of `raw` into `body`.
void dechunk(std::string& raw, std::string& body) {
  for (;;) {
    auto line_end = raw.find("\r\n");
    if (line_end == std::string::npos) return;
    std::size_t size = std::stoul(raw.substr(0, line_end), nullptr, 16);
    if (raw.size() < line_end + 2 + size + 2) return;
    body += raw.substr(line_end + 2, size);
    raw.erase(0, line_end + 2 + size + 2);
  }
}

}  // namespace

EventStreamReader::EventStreamReader(
    int port, const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& target) {
  fd_ = connect_to("127.0.0.1", port, 10);
  if (fd_ < 0) return;
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  write_all(fd_, request + "\r\n");
  while (raw_.find("\r\n\r\n") == std::string::npos)
    if (!fill(5000)) return;
  auto head_end = raw_.find("\r\n\r\n");
  std::string head = raw_.substr(0, head_end);
  raw_.erase(0, head_end + 4);
  if (head.size() > 12) status_ = std::stoi(head.substr(9, 3));
}

EventStreamReader::~EventStreamReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool EventStreamReader::fill(int timeout_ms) {
  pollfd ready{fd_, POLLIN, 0};
  if (::poll(&ready, 1, timeout_ms) <= 0) return false;
  char buffer[8192];
  ssize_t got = ::read(fd_, buffer, sizeof buffer);
  if (got <= 0) {
    closed_ = true;
    return false;
  }
  raw_.append(buffer, static_cast<std::size_t>(got));
  return true;
}

bool EventStreamReader::next_event(ServerSentEvent& event) {
  dechunk(raw_, body_);
  auto end = body_.find("\n\n");
  if (end == std::string::npos) return false;
  std::string block = body_.substr(0, end + 1);
  body_.erase(0, end + 2);
  event = ServerSentEvent{};
  std::size_t start = 0;
  while (start < block.size()) {
    auto line_end = block.find('\n', start);
    std::string line = block.substr(start, line_end - start);
    start = line_end + 1;
    auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string field = line.substr(0, colon), value = line.substr(colon + 2);
    if (field == "id") event.id = value;
    if (field == "event") event.type = value;
    if (field == "data") event.data = value;
  }
  return true;
}

std::vector<ServerSentEvent> EventStreamReader::read(std::size_t count, int timeout_ms,
                                                     bool with_heartbeats) {
  std::vector<ServerSentEvent> events;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (events.size() < count) {
    ServerSentEvent event;
    if (next_event(event)) {
      if (!event.id.empty() || with_heartbeats) events.push_back(std::move(event));
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0 || !fill(static_cast<int>(left.count()))) break;
  }
  return events;
}

}  // namespace e2e
