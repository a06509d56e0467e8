// A persistent connection is closed (and reopened by the next request) after
// anything but a clean, keep-alive answer, so one broken exchange never
// corrupts the reading of the next one.
#include "keep_alive_client.hpp"

#include <unistd.h>

#include <cctype>

#include "socket_io.hpp"

namespace e2e {

namespace {

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// True when the server will not read another request on this connection:
/// it said so, or it framed the body by closing the connection.
bool connection_ends(const Response& response) {
  if (lowercase(response.header_or_empty("Connection")).find("close") != std::string::npos)
    return true;
  bool bodyless = response.status / 100 == 1 || response.status == 204 || response.status == 304;
  bool chunked =
      lowercase(response.header_or_empty("Transfer-Encoding")).find("chunked") != std::string::npos;
  return !bodyless && !chunked && !response.header("Content-Length");
}

}  // namespace

const char* to_string(Delivery delivery) {
  switch (delivery) {
    case Delivery::not_sent:
      return "not sent";
    case Delivery::no_answer:
      return "no answer";
    case Delivery::malformed:
      return "malformed";
    case Delivery::answered:
      return "answered";
  }
  return "?";
}

void KeepAliveClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Exchange KeepAliveClient::request(int port, const std::string& method, const std::string& target,
                                  const Headers& headers, const std::string& body) {
  Exchange exchange;
  if (fd_ >= 0 && port != port_) disconnect();
  if (fd_ < 0) {
    fd_ = connect_to("127.0.0.1", port, timeout_seconds_);
    port_ = port;
    if (fd_ < 0) return exchange;  // not_sent
  }
  std::string out = method + " " + target + " HTTP/1.1\r\n";
  out += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (method == "POST" || !body.empty())
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n" + body;
  // A failed write may still have delivered part of the request: the answer decides.
  write_all(fd_, out);
  Framing framing = Framing::nothing;
  exchange.response = read_response(fd_, method == "HEAD", &framing);
  switch (framing) {
    case Framing::complete:
      exchange.delivery = Delivery::answered;
      break;
    case Framing::nothing:
      exchange.delivery = Delivery::no_answer;
      break;
    case Framing::malformed:
      exchange.delivery = Delivery::malformed;
      break;
  }
  if (exchange.delivery != Delivery::answered || connection_ends(exchange.response)) disconnect();
  return exchange;
}

}  // namespace e2e
