// A small blocking HTTP/1.1 client over POSIX sockets: one connection per
// request (Connection: close), enough to drive the server as a black box.
#pragma once

#include <string>

#include "http_response.hpp"

namespace e2e {

class HttpClient {
 public:
  HttpClient(std::string host, int port) : host_(std::move(host)), port_(port) {}

  /// Sends one request. Adds Host (unless given), Connection: close and
  /// Content-Length (when there is a body or the method is POST/PUT/PATCH).
  Response request(const std::string& method, const std::string& target,
                   const Headers& headers = {}, const std::string& body = "") const;

  /// Sends the bytes as they are and reads one response. A server that
  /// closes without answering gives status 0. half_close: shut down our
  /// sending side after the bytes, so the server sees the end of the stream.
  Response raw(const std::string& bytes, bool half_close = false) const;

  /// The same client with another read/write timeout (30 s by default).
  HttpClient with_timeout(int seconds) const {
    HttpClient copy = *this;
    copy.timeout_seconds_ = seconds;
    return copy;
  }

  /// "host:port", the default Host header.
  std::string authority() const { return host_ + ":" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_;
  int timeout_seconds_ = 30;
};

}  // namespace e2e
