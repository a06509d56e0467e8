// Socket plumbing of the e2e HTTP client: connect with timeouts, write all
// bytes, and read one HTTP/1.1 response (Content-Length, chunked or to EOF).
#pragma once

#include <string>

#include "http_response.hpp"

namespace e2e {

/// A connected TCP socket to host:port (loopback, IPv4), or -1. Reads and
/// writes time out after timeout_seconds so a stuck server fails a test
/// instead of hanging it.
int connect_to(const std::string& host, int port, int timeout_seconds);

/// Writes every byte; false when the peer stopped reading (the server may
/// answer early, e.g. 413, and close: the caller still reads the answer).
bool write_all(int fd, const std::string& bytes);

/// Reads one response from fd. head_request: no body follows the headers.
Response read_response(int fd, bool head_request);

}  // namespace e2e
