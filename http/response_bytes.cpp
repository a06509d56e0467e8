#include "http/response_bytes.hpp"

#include <cstdio>
#include <ctime>

namespace incident {
namespace {

/// The Date header's value, formatted once a second per thread.
const std::string& http_date() {
  thread_local std::time_t formatted_at = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    text = buffer;
    formatted_at = now;
  }
  return text;
}

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Entity";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {

void append_headers(std::string& out, const HeaderList& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

}  // namespace

std::string response_bytes(const ApiResponse& response, bool keep_alive, bool omit_body,
                           const HeaderList& extra) {
  std::string out;
  out.reserve(256 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\n";
  append_headers(out, response.headers);
  append_headers(out, extra);
  out += "Date: ";
  out += http_date();
  // A 204 has no content and must not say how long it is (RFC 9110, 8.6);
  // a 304 would have to give the length of the content it stands for.
  if (response.status != 204 && response.status != 304) {
    out += "\r\nContent-Length: ";
    out += std::to_string(response.body.size());
  }
  out += keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
  if (!omit_body) out += response.body;
  return out;
}

std::string event_stream_head(bool chunked, bool keep_alive, const HeaderList& extra) {
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n";
  append_headers(head, extra);
  head += "Date: " + http_date();
  head += keep_alive ? "\r\nConnection: keep-alive" : "\r\nConnection: close";
  head += chunked ? "\r\nTransfer-Encoding: chunked\r\n\r\n" : "\r\n\r\n";
  return head;
}

std::string chunk_bytes(std::string_view data) {
  char size[20];
  int length = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<std::size_t>(length) + data.size() + 2);
  out.append(size, static_cast<std::size_t>(length));
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace incident
