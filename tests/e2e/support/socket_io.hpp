// Socket plumbing of the e2e HTTP client: connect with timeouts, write all
// bytes, and read one HTTP/1.1 response (Content-Length, chunked or to EOF).
#pragma once

#include <string>

#include "http_response.hpp"

namespace e2e {

/// A connected TCP socket to host:port (loopback, IPv4), or -1. Reads and
/// writes time out after timeout_seconds so a stuck server fails a test
/// instead of hanging it.
/// With `receive_buffer_bytes`, the receive buffer is set to that before
/// connecting, so the window is small from the start.
int connect_to(const std::string& host, int port, int timeout_seconds,
               int receive_buffer_bytes = 0);

/// Writes every byte; false when the peer stopped reading (the server may
/// answer early, e.g. 413, and close: the caller still reads the answer).
bool write_all(int fd, const std::string& bytes);

/// How a response arrived: whole (a status line, headers and the body its
/// framing announces), not at all (EOF or timeout before any byte), or
/// malformed (a bad status line, or cut short before its framing ended).
enum class Framing { complete, nothing, malformed };

/// Reads one response from fd. head_request: no body follows the headers.
/// framing (optional) receives how the response arrived.
Response read_response(int fd, bool head_request, Framing* framing = nullptr);

/// Reads the responses of one connection one after another. Bytes that
/// arrive after a response (pipelined answers, the final answer behind a
/// 100 Continue) are kept for the next one instead of being lost.
class ResponseReader {
 public:
  explicit ResponseReader(int fd) : fd_(fd) {}

  /// The next response; status 0 when the connection ended (or the read
  /// timed out) before a whole head arrived. framing (optional) receives how
  /// the response arrived.
  Response next(bool head_request = false, Framing* framing = nullptr);

  /// Waits (up to the socket's read timeout) for the peer to end the
  /// connection: true on an orderly close or a reset with nothing unread,
  /// false when bytes arrive or the wait times out.
  bool peer_closed();

 private:
  bool fill();
  bool take_until(const std::string& delimiter, std::string& out);
  std::string take(std::size_t count);
  std::string take_rest();
  std::string read_chunked(bool& complete);

  int fd_;
  std::string buffer_;
  bool eof_ = false;
  bool closed_by_peer_ = false;  // eof_ came from the peer, not from a timeout
  std::size_t received_ = 0;     // bytes read in all, to tell "nothing" from "cut short"
};

}  // namespace e2e
