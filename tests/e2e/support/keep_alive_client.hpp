// An HTTP/1.1 client that keeps its connection open between requests, as
// production clients do, and says how each exchange ended: never sent, sent
// but unanswered, answered well-formed, or answered with a broken message.
#pragma once

#include <string>

#include "http_response.hpp"

namespace e2e {

enum class Delivery {
  not_sent,   // no connection: the server cannot have seen the request
  no_answer,  // sent, then the connection ended (or timed out) before any byte came back
  malformed,  // bytes came back, but not a whole, well-framed HTTP response
  answered,   // a whole response, framed as its headers announce
};

const char* to_string(Delivery delivery);

struct Exchange {
  Delivery delivery = Delivery::not_sent;
  Response response;  // meaningful when answered (or partly, when malformed)
};

class KeepAliveClient {
 public:
  explicit KeepAliveClient(int timeout_seconds = 10) : timeout_seconds_(timeout_seconds) {}
  ~KeepAliveClient() { disconnect(); }
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  /// One request to 127.0.0.1:port over the open connection (opened, or
  /// reopened when the port changed or the server closed it). Adds Host and
  /// Content-Length; never Connection: close.
  Exchange request(int port, const std::string& method, const std::string& target,
                   const Headers& headers = {}, const std::string& body = "");

  void disconnect();

 private:
  int timeout_seconds_;
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace e2e
