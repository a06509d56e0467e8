// What the access log and the metrics know of one request: who asked, for
// what route, and when it was read whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace incident {

struct RequestTrace {
  std::chrono::steady_clock::time_point started;  // the request read whole
  std::string id;                                 // X-Request-Id: the client's, or made here
  std::string client;                             // the peer's IP address
  std::string method;
  std::string path;                 // without the query
  std::size_t route = SIZE_MAX;     // index in the route table; out of range: none matched
  const char* route_pattern = "-";  // the route table's (static) pattern
  std::string token;                // the token's name once verified; empty: anonymous
};

/// How an answered request ended, for the log line and the metrics.
struct RequestOutcome {
  int status = 0;
  std::uint64_t bytes = 0;  // of the answer as written (head and body)
  std::uint64_t micros = 0;
};

}  // namespace incident
