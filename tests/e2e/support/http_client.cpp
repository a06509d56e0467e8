// Builds HTTP/1.1 requests and runs them over one fresh connection each,
// which keeps the client free of connection reuse and pipelining concerns.
#include "http_client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "socket_io.hpp"

namespace e2e {

namespace {

bool has_header(const Headers& headers, const std::string& name) {
  for (const auto& entry : headers) {
    if (same_header_name(entry.first, name)) return true;
  }
  return false;
}

bool method_has_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

Response exchange(const std::string& host, int port, int timeout_seconds, const std::string& bytes,
                  bool head, bool half_close) {
  int fd = connect_to(host, port, timeout_seconds);
  if (fd < 0) return Response{};
  write_all(fd, bytes);  // an early answer (413, 431) is still read below
  if (half_close) ::shutdown(fd, SHUT_WR);
  Response response = read_response(fd, head);
  ::close(fd);
  return response;
}

}  // namespace

Response HttpClient::request(const std::string& method, const std::string& target,
                             const Headers& headers, const std::string& body) const {
  std::string out = method + " " + target + " HTTP/1.1\r\n";
  if (!has_header(headers, "Host")) out += "Host: " + authority() + "\r\n";
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (!has_header(headers, "Connection")) out += "Connection: close\r\n";
  if ((!body.empty() || method_has_body(method)) && !has_header(headers, "Content-Length"))
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return exchange(host_, port_, timeout_seconds_, out, method == "HEAD", false);
}

Response HttpClient::raw(const std::string& bytes, bool half_close) const {
  return exchange(host_, port_, timeout_seconds_, bytes, false, half_close);
}

}  // namespace e2e
