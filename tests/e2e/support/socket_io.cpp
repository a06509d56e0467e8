// Socket plumbing of the e2e HTTP client. The reader never trusts the server
// to close the connection: Pistache may keep it open, so bodies are framed by
// Content-Length or chunked encoding, and EOF is only the last resort.
#include "socket_io.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <utility>

namespace e2e {

namespace {

void parse_head(const std::string& head, Response& response) {
  std::size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (space != std::string::npos) response.status = std::atoi(status_line.c_str() + space + 1);
  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    std::string line = head.substr(pos, end - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::size_t value_at = line.find_first_not_of(" \t", colon + 1);
      std::string value = value_at == std::string::npos ? "" : line.substr(value_at);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      response.headers.emplace_back(line.substr(0, colon), value);
    }
    pos = end + 2;
  }
}

bool lower_contains(std::string text, const std::string& needle) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find(needle) != std::string::npos;
}

}  // namespace

int connect_to(const std::string& host, int port, int timeout_seconds, int receive_buffer_bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer_bytes > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  timeval timeout{timeout_seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    // MSG_NOSIGNAL: a server that closes early must not kill the test with SIGPIPE.
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

Response read_response(int fd, bool head_request, Framing* framing) {
  return ResponseReader(fd).next(head_request, framing);
}

bool ResponseReader::fill() {
  if (eof_) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    eof_ = true;
    closed_by_peer_ = n == 0 || errno == ECONNRESET;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  received_ += static_cast<std::size_t>(n);
  return true;
}

bool ResponseReader::take_until(const std::string& delimiter, std::string& out) {
  for (;;) {
    auto at = buffer_.find(delimiter);
    if (at != std::string::npos) {
      out = buffer_.substr(0, at + delimiter.size());
      buffer_.erase(0, at + delimiter.size());
      return true;
    }
    if (!fill()) return false;
  }
}

std::string ResponseReader::take(std::size_t count) {
  while (buffer_.size() < count && fill()) {
  }
  std::string out = buffer_.substr(0, count);
  buffer_.erase(0, out.size());
  return out;
}

std::string ResponseReader::take_rest() {
  while (fill()) {
  }
  return std::exchange(buffer_, {});
}

/// "HTTP/1.x NNN ...": anything else is not the start of a response.
static bool valid_status_line(const std::string& head, int status) {
  return head.rfind("HTTP/1.", 0) == 0 && status >= 100 && status <= 599;
}

std::string ResponseReader::read_chunked(bool& complete) {
  std::string body;
  std::string size_line;
  complete = false;
  while (take_until("\r\n", size_line)) {
    std::size_t size = std::strtoul(size_line.c_str(), nullptr, 16);
    if (size == 0) {
      std::string trailer_end;
      complete = take_until("\r\n", trailer_end);  // trailers are not used here
      break;
    }
    std::string chunk = take(size);
    body += chunk;
    if (chunk.size() != size || take(2) != "\r\n") break;
  }
  return body;
}

Response ResponseReader::next(bool head_request, Framing* framing) {
  Framing ignored;
  Framing& outcome = framing ? *framing : ignored;
  std::size_t received_before = received_ - buffer_.size();
  Response response;
  std::string head;
  if (!take_until("\r\n\r\n", head)) {
    outcome = received_ == received_before ? Framing::nothing : Framing::malformed;
    return response;
  }
  parse_head(head, response);
  outcome = valid_status_line(head, response.status) ? Framing::complete : Framing::malformed;
  bool no_body = head_request || response.status / 100 == 1 || response.status == 204 ||
                 response.status == 304;
  if (no_body) return response;
  if (lower_contains(response.header_or_empty("Transfer-Encoding"), "chunked")) {
    bool complete = false;
    response.body = read_chunked(complete);
    if (!complete) outcome = Framing::malformed;
  } else if (auto length = response.header("Content-Length")) {
    std::size_t expected = std::strtoul(length->c_str(), nullptr, 10);
    response.body = take(expected);
    if (response.body.size() != expected) outcome = Framing::malformed;
  } else {
    response.body = take_rest();
  }
  return response;
}

bool ResponseReader::peer_closed() {
  while (buffer_.empty() && fill()) {
  }
  return buffer_.empty() && eof_ && closed_by_peer_;
}

}  // namespace e2e
