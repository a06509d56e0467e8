// An incremental HTTP/1.1 request parser: bytes in as they arrive, whole
// requests out. It knows nothing of sockets, so it is tested (and fuzzed) on
// its own, and it enforces every size limit before buffering what is too big.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace incident {

struct RequestLimits {
  std::size_t max_request_line = 8 * 1024;
  std::size_t max_header_line = 8 * 1024;
  std::size_t max_headers = 100;
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_body = 1024 * 1024;
};

struct ParsedRequest {
  std::string method;
  std::string path;   // the target up to '?', still percent-encoded
  std::string query;  // after '?', still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
  std::string body;                                          // de-chunked
  bool keep_alive = true;                                    // what the client asked for
  bool expects_continue = false;
  bool http10 = false;  // an HTTP/1.0 client: no chunked answers, no interim ones
};

/// Why the connection cannot go on: answered with `status`, then closed.
struct ParseFailure {
  int status = 400;
  std::string field;  // what was wrong: "request line", "content-length", ...
  std::string message;
};

class RequestParser {
 public:
  enum class Step {
    need_more,      // nothing complete yet
    request,        // take() the request
    send_continue,  // headers of a body request that expects 100 Continue
    failed,         // failure() tells why; feed nothing more
  };

  explicit RequestParser(RequestLimits limits = {});

  void feed(std::string_view bytes);
  /// Advances as far as the buffered bytes allow; call until need_more.
  Step next();
  ParsedRequest take();
  const ParseFailure& failure() const { return failure_; }
  /// True while part of a request has been received but not all of it.
  bool mid_request() const { return buffered() > 0 || state_ != State::head || have_request_line_; }

 private:
  enum class State { head, fixed_body, chunk_size, chunk_data, chunk_end, trailers, failed };

  std::size_t buffered() const { return buffer_.size() - offset_; }
  Step fail(int status, std::string field, std::string message);
  Step read_head();
  Step parse_request_line(std::string_view line);
  Step parse_header_line(std::string_view line);
  Step start_body();
  /// Moves buffered body bytes into the request; true once none is missing.
  bool take_body_bytes();
  Step read_fixed_body();
  Step read_chunks();
  bool next_line(std::string_view& line, std::size_t limit, bool& too_long);

  RequestLimits limits_;
  std::string buffer_;
  std::size_t offset_ = 0;
  std::size_t scanned_ = 0;  // how far the current line has been searched for its end
  State state_ = State::head;
  bool have_request_line_ = false;
  ParsedRequest current_;
  std::size_t body_remaining_ = 0;
  std::size_t header_bytes_ = 0;
  bool continue_sent_ = false;
  ParseFailure failure_;
};

}  // namespace incident
