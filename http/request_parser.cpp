// Strict where leniency lets requests be smuggled or memory be exhausted
// (Content-Length with Transfer-Encoding, differing lengths, folded or
// malformed headers, oversized anything); lenient only where clients
// really differ (a bare LF ends a line, blank lines before a request).
#include "http/request_parser.hpp"

#include <algorithm>
#include <cctype>

#include "domain/integers.hpp"

namespace incident {
namespace {

constexpr std::int64_t kMaxContentLength = 999'999'999'999'999'999;  // 18 digits
constexpr std::size_t kMaxChunkSizeDigits = 15;

bool is_token_char(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c));
  });
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Visible ASCII only: a target is percent-encoded on the wire.
bool valid_target_byte(unsigned char c) { return c > 0x20 && c < 0x7f; }

/// Header values may carry tabs and obs-text, never other control bytes.
bool valid_value_byte(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

bool parse_decimal(std::string_view text, std::size_t& value) {
  auto parsed = parse_integer_in(text, 0, kMaxContentLength);
  if (!parsed) return false;
  value = static_cast<std::size_t>(*parsed);
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Every element of a comma-separated list, trimmed and lowercase.
std::vector<std::string> list_elements(std::string_view value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    auto element = trim(value.substr(start, end - start));
    if (!element.empty()) out.push_back(lowercase(element));
    start = end + 1;
  }
  return out;
}

/// host[:port] as RFC 9112 (3.2) allows in Host: a registered name (letters,
/// digits, "-._~" and sub-delimiters a browser never sends are refused), an
/// IPv4 address, or an IPv6 literal in brackets; a port of at most 5 digits.
bool valid_host(std::string_view value) {
  std::string_view host = value;
  std::string_view port;
  if (!value.empty() && value.front() == '[') {
    auto close = value.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    host = value.substr(1, close - 1);
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return false;
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
  } else {
    auto colon = value.find(':');
    if (colon != std::string_view::npos) {
      host = value.substr(0, colon);
      port = value.substr(colon + 1);  // may be empty: port = *DIGIT (RFC 3986)
    }
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-')
      return false;
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                 c == '~';
        }))
      return false;
  }
  return port.empty() || parse_integer_in(port, 0, 65535).has_value();
}

}  // namespace

RequestParser::RequestParser(RequestLimits limits) : limits_(limits) {}

void RequestParser::feed(std::string_view bytes) {
  if (state_ == State::failed) return;
  // Consumed bytes are dropped once they are most of the buffer, so a long
  // keep-alive connection neither grows nor copies on every request.
  if (offset_ > 0 && offset_ * 2 >= buffer_.size()) {
    buffer_.erase(0, offset_);
    scanned_ -= std::min(scanned_, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes.data(), bytes.size());
}

RequestParser::Step RequestParser::next() {
  switch (state_) {
    case State::failed:
      return Step::failed;
    case State::head:
      return read_head();
    case State::fixed_body:
      return read_fixed_body();
    default:
      return read_chunks();
  }
}

ParsedRequest RequestParser::take() {
  ParsedRequest out = std::move(current_);
  current_ = ParsedRequest{};
  state_ = State::head;
  have_request_line_ = false;
  header_bytes_ = 0;
  continue_sent_ = false;
  return out;
}

RequestParser::Step RequestParser::fail(int status, std::string field, std::string message) {
  state_ = State::failed;
  failure_ = ParseFailure{status, std::move(field), std::move(message)};
  buffer_.clear();
  offset_ = scanned_ = 0;
  return Step::failed;
}

bool RequestParser::next_line(std::string_view& line, std::size_t limit, bool& too_long) {
  auto at = buffer_.find('\n', std::max(offset_, scanned_));
  if (at == std::string::npos) {
    scanned_ = buffer_.size();
    // A CR read last may end the line once its LF arrives: it is not part
    // of the line, whose length must not depend on where the reads split it.
    std::size_t pending = buffered();
    if (pending > 0 && buffer_.back() == '\r') --pending;
    too_long = pending > limit;
    return false;
  }
  std::size_t end = at;
  if (end > offset_ && buffer_[end - 1] == '\r') --end;
  too_long = end - offset_ > limit;
  line = std::string_view(buffer_).substr(offset_, end - offset_);
  offset_ = at + 1;
  scanned_ = offset_;
  return true;
}

RequestParser::Step RequestParser::read_head() {
  for (;;) {
    std::string_view line;
    bool too_long = false;
    std::size_t limit = have_request_line_ ? limits_.max_header_line : limits_.max_request_line;
    bool complete = next_line(line, limit, too_long);
    if (too_long) {
      if (!have_request_line_) return fail(414, "request line", "The request line is too long.");
      return fail(431, "headers", "A header line is longer than 8 KiB.");
    }
    if (!complete) return Step::need_more;
    if (!have_request_line_) {
      if (line.empty()) continue;  // blank lines before a request are tolerated
      Step step = parse_request_line(line);
      if (step == Step::failed) return step;
      have_request_line_ = true;
      continue;
    }
    if (line.empty()) return start_body();
    Step step = parse_header_line(line);
    if (step == Step::failed) return step;
  }
}

RequestParser::Step RequestParser::parse_request_line(std::string_view line) {
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space)
    return fail(400, "request line", "Malformed request line.");
  std::string_view method = line.substr(0, first_space);
  std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  std::string_view version = line.substr(last_space + 1);
  if (!is_token(method)) return fail(400, "request line", "Malformed method.");
  if (version == "HTTP/1.0") {
    current_.keep_alive = false;
    current_.http10 = true;
  } else if (version != "HTTP/1.1") {
    return fail(400, "request line", "Only HTTP/1.1 and HTTP/1.0 are supported.");
  }
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return valid_target_byte(static_cast<unsigned char>(c));
      }))
    return fail(400, "request line", "Malformed request target.");
  // An absolute-form target ("http://host/path") is reduced to its path.
  if (target.front() != '/') {
    auto scheme = target.find("://");
    if (scheme == std::string_view::npos)
      return fail(400, "request line", "Malformed request target.");
    auto path = target.find('/', scheme + 3);
    target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
  }
  auto question = target.find('?');
  current_.method = std::string(method);
  current_.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) current_.query = std::string(target.substr(question + 1));
  return Step::need_more;
}

RequestParser::Step RequestParser::parse_header_line(std::string_view line) {
  header_bytes_ += line.size();
  if (current_.headers.size() >= limits_.max_headers || header_bytes_ > limits_.max_header_bytes)
    return fail(431, "headers", "At most 100 headers of 8 KiB, 64 KiB in all.");
  if (line.front() == ' ' || line.front() == '\t')
    return fail(400, "headers", "Folded header lines are not accepted.");
  auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return fail(400, "headers", "Malformed header line.");
  std::string_view value = trim(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(),
                   [](char c) { return valid_value_byte(static_cast<unsigned char>(c)); }))
    return fail(400, "headers", "Control characters in a header value.");
  current_.headers.emplace_back(lowercase(line.substr(0, colon)), std::string(value));
  return Step::need_more;
}

RequestParser::Step RequestParser::start_body() {
  bool chunked = false;
  bool has_length = false;
  std::size_t length = 0;
  std::size_t codings = 0;  // across every Transfer-Encoding line
  std::size_t hosts = 0;
  for (const auto& [name, value] : current_.headers) {
    if (name == "content-length") {
      // "5, 5" or repeated headers are one length; differing ones are refused.
      for (const auto& element : list_elements(value)) {
        std::size_t parsed = 0;
        if (!parse_decimal(element, parsed) || (has_length && parsed != length))
          return fail(400, "content-length", "Content-Length must be one non-negative integer.");
        has_length = true;
        length = parsed;
      }
      if (!has_length)
        return fail(400, "content-length", "Content-Length must be one non-negative integer.");
    } else if (name == "transfer-encoding") {
      // An HTTP/1.0 message with Transfer-Encoding has faulty framing (RFC 9112, 6.1).
      if (current_.http10)
        return fail(400, "transfer-encoding", "Transfer-Encoding is not part of HTTP/1.0.");
      auto elements = list_elements(value);
      codings += elements.size();
      if (codings != 1 || elements.empty() || elements.front() != "chunked")
        return fail(400, "transfer-encoding", "Only the chunked transfer coding is supported.");
      chunked = true;
    } else if (name == "host") {
      if (++hosts > 1) return fail(400, "host", "Exactly one Host header is required.");
      if (!valid_host(value)) return fail(400, "host", "Host must be host[:port].");
    } else if (name == "connection") {
      for (const auto& option : list_elements(value)) {
        if (option == "close") current_.keep_alive = false;
        if (option == "keep-alive") current_.keep_alive = true;
      }
    } else if (name == "expect") {
      if (lowercase(value) != "100-continue")
        return fail(417, "expect", "Only \"Expect: 100-continue\" is supported.");
      // HTTP/1.0 has no interim answers (RFC 9110, 15.2): such a client gets none.
      current_.expects_continue = !current_.http10;
    }
  }
  if (hosts == 0 && !current_.http10)
    return fail(400, "host", "Exactly one Host header is required.");
  if (chunked && has_length)
    return fail(400, "content-length", "Content-Length and Transfer-Encoding together.");
  if (has_length && length > limits_.max_body)
    return fail(413, "body",
                "The body is larger than " + std::to_string(limits_.max_body) + " bytes.");
  if (chunked) {
    state_ = State::chunk_size;
  } else if (length > 0) {
    state_ = State::fixed_body;
    body_remaining_ = length;
    current_.body.reserve(length);
  } else {
    return Step::request;
  }
  if (current_.expects_continue && buffered() == 0 && !continue_sent_) {
    continue_sent_ = true;
    return Step::send_continue;
  }
  return next();
}

bool RequestParser::take_body_bytes() {
  std::size_t take = std::min(body_remaining_, buffered());
  current_.body.append(buffer_, offset_, take);
  offset_ += take;
  body_remaining_ -= take;
  return body_remaining_ == 0;
}

RequestParser::Step RequestParser::read_fixed_body() {
  if (!take_body_bytes()) return Step::need_more;
  state_ = State::head;
  return Step::request;
}

RequestParser::Step RequestParser::read_chunks() {
  for (;;) {
    if (state_ == State::chunk_data) {
      if (!take_body_bytes()) return Step::need_more;
      state_ = State::chunk_end;
      continue;
    }
    std::string_view line;
    bool too_long = false;
    bool complete = next_line(line, limits_.max_header_line, too_long);
    if (too_long) return fail(400, "body", "Malformed chunked body.");
    if (!complete) return Step::need_more;
    if (state_ == State::chunk_end) {
      if (!line.empty()) return fail(400, "body", "Malformed chunked body.");
      state_ = State::chunk_size;
    } else if (state_ == State::chunk_size) {
      std::string_view digits = trim(line.substr(0, line.find(';')));
      if (digits.empty() || digits.size() > kMaxChunkSizeDigits)
        return fail(400, "body", "Malformed chunk size.");
      std::size_t size = 0;
      for (char c : digits) {
        int digit = hex_digit(c);
        if (digit < 0) return fail(400, "body", "Malformed chunk size.");
        size = size * 16 + static_cast<std::size_t>(digit);
      }
      if (size > limits_.max_body - current_.body.size())
        return fail(413, "body",
                    "The body is larger than " + std::to_string(limits_.max_body) + " bytes.");
      body_remaining_ = size;
      state_ = size == 0 ? State::trailers : State::chunk_data;
    } else {  // trailers: counted like headers, then ignored
      header_bytes_ += line.size();
      if (header_bytes_ > limits_.max_header_bytes)
        return fail(431, "headers", "At most 100 headers of 8 KiB, 64 KiB in all.");
      if (line.empty()) {
        state_ = State::head;
        return Step::request;
      }
    }
  }
}

}  // namespace incident
