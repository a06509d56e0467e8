// Text lines are key=value pairs; a value with a space, a quote, '=' or a
// control or non-ASCII byte is quoted and escaped, so one line is one request
// whatever a client put in its path or its token's name.
//
// A line is written for every request, so the common one (nothing to escape,
// a path of sane length) is laid out with plain copies into a fixed buffer;
// a line with something to escape takes the general way through std::string.
#include "http/access_log.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "config/log.hpp"

namespace incident {
namespace {

/// Bytes that make a text value quoted, and a JSON string escaped (beyond
/// the quote and backslash, which both need): controls, space for text,
/// '=', and every non-ASCII byte (escaped JSON checks its UTF-8).
struct ByteClasses {
  std::array<bool, 256> text_quotes{};
  std::array<bool, 256> json_escapes{};
  ByteClasses() {
    for (int c = 0; c < 256; ++c) {
      bool control_or_high = c < 0x20 || c >= 0x7f;
      text_quotes[c] = control_or_high || c == ' ' || c == '"' || c == '=' || c == '\\';
      json_escapes[c] = control_or_high || c == '"' || c == '\\';
    }
  }
};
const ByteClasses kBytes;

bool any_of_class(std::string_view value, const std::array<bool, 256>& members) {
  for (unsigned char c : value)
    if (members[c]) return true;
  return false;
}

bool needs_quotes(std::string_view value) {
  return value.empty() || any_of_class(value, kBytes.text_quotes);
}

/// Appends ` key=value`, the value quoted with JSON's escapes when it could
/// split the line or be misread.
void append_pair(std::string& out, const char* key, std::string_view value) {
  out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value))
    out += json_quote(value);
  else
    out += value;
}

/// Appends `,"key":"value"` (JSON-quoted).
void append_field(std::string& out, const char* key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  out += json_quote(value);
}

/// Appends `prefix` then the decimal digits of `value`.
void append_number(std::string& out, const char* prefix, std::uint64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out += prefix;
  out.append(digits, end);
}

/// The time of a line ("YYYY-MM-DDTHH:MM:SS.uuuuuuZ", 27 bytes), its
/// seconds formatted from scratch once a second per thread.
void format_timestamp(char (&text)[27], std::chrono::system_clock::time_point when) {
  thread_local std::int64_t cached_second = -1;
  thread_local char cached[20];  // up to the '.'
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::int64_t second = micros / 1000000;
  if (second != cached_second) {
    std::memcpy(cached, log_timestamp(when).data(), sizeof cached);
    cached_second = second;
  }
  std::memcpy(text, cached, sizeof cached);
  auto fraction = static_cast<std::uint32_t>(micros % 1000000);
  for (int i = 25; i >= 20; --i, fraction /= 10) text[i] = static_cast<char>('0' + fraction % 10);
  text[26] = 'Z';
}

/// Lays a line out in a fixed buffer; `fits` turns false when it does not.
class FixedLine {
 public:
  FixedLine(char* begin, std::size_t size) : begin_(begin), at_(begin), end_(begin + size) {}
  void put(std::string_view text) {
    if (static_cast<std::size_t>(end_ - at_) < text.size()) {
      fits_ = false;
      return;
    }
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void number(std::uint64_t value) {
    auto result = std::to_chars(at_, end_, value);
    if (result.ec != std::errc()) {
      fits_ = false;
      return;
    }
    at_ = result.ptr;
  }
  bool fits() const { return fits_; }
  std::string_view text() const { return {begin_, static_cast<std::size_t>(at_ - begin_)}; }

 private:
  char* begin_;
  char* at_;
  char* end_;
  bool fits_ = true;
};

}  // namespace

std::optional<AccessLogFormat> parse_access_log_format(const std::string& text) {
  if (text == "off") return AccessLogFormat::off;
  if (text == "text") return AccessLogFormat::text;
  if (text == "json") return AccessLogFormat::json;
  return std::nullopt;
}

std::string_view format_access_log_line(char* buffer, std::size_t size, AccessLogFormat format,
                                        const RequestTrace& trace, const RequestOutcome& outcome,
                                        std::chrono::system_clock::time_point when) {
  const std::string_view token = trace.token;
  const std::string_view values[] = {trace.id,   trace.client, trace.method, trace.route_pattern,
                                     trace.path, token};
  const auto& escaped = format == AccessLogFormat::json ? kBytes.json_escapes : kBytes.text_quotes;
  for (const auto& value : values)
    if (any_of_class(value, escaped) ||
        (format == AccessLogFormat::text && value.empty() && value.data() != token.data()))
      return {};
  char stamp[27];
  format_timestamp(stamp, when);
  FixedLine line(buffer, size);
  if (format == AccessLogFormat::json) {
    line.put("{\"time\":\"");
    line.put({stamp, sizeof stamp});
    line.put("\",\"level\":\"info\",\"type\":\"access\",\"request_id\":\"");
    line.put(trace.id);
    line.put("\",\"client\":\"");
    line.put(trace.client);
    if (token.empty()) {
      line.put("\",\"token\":null,\"method\":\"");
    } else {
      line.put("\",\"token\":\"");
      line.put(token);
      line.put("\",\"method\":\"");
    }
    line.put(trace.method);
    line.put("\",\"route\":\"");
    line.put(trace.route_pattern);
    line.put("\",\"path\":\"");
    line.put(trace.path);
    line.put("\",\"status\":");
    line.number(static_cast<std::uint64_t>(outcome.status));
    line.put(",\"bytes\":");
    line.number(outcome.bytes);
    line.put(",\"duration_us\":");
    line.number(outcome.micros);
    line.put("}\n");
  } else {
    line.put({stamp, sizeof stamp});
    line.put(" ACCESS request_id=");
    line.put(trace.id);
    line.put(" client=");
    line.put(trace.client);
    line.put(" token=");
    line.put(token.empty() ? std::string_view("-") : token);
    line.put(" method=");
    line.put(trace.method);
    line.put(" route=");
    line.put(trace.route_pattern);
    line.put(" path=");
    line.put(trace.path);
    line.put(" status=");
    line.number(static_cast<std::uint64_t>(outcome.status));
    line.put(" bytes=");
    line.number(outcome.bytes);
    line.put(" duration_us=");
    line.number(outcome.micros);
    line.put("\n");
  }
  return line.fits() ? line.text() : std::string_view();
}

std::string access_log_line(AccessLogFormat format, const RequestTrace& trace,
                            const RequestOutcome& outcome,
                            std::chrono::system_clock::time_point when) {
  char stamp[27];
  format_timestamp(stamp, when);
  std::string line;
  if (format == AccessLogFormat::json) {
    line += "{\"time\":\"";
    line.append(stamp, sizeof stamp);
    line += "\",\"level\":\"info\",\"type\":\"access\"";
    append_field(line, "request_id", trace.id);
    append_field(line, "client", trace.client);
    if (trace.token.empty())
      line += ",\"token\":null";
    else
      append_field(line, "token", trace.token);
    append_field(line, "method", trace.method);
    append_field(line, "route", trace.route_pattern);
    append_field(line, "path", trace.path);
    append_number(line, ",\"status\":", static_cast<std::uint64_t>(outcome.status));
    append_number(line, ",\"bytes\":", outcome.bytes);
    append_number(line, ",\"duration_us\":", outcome.micros);
    line += "}\n";
    return line;
  }
  line.append(stamp, sizeof stamp);
  line += " ACCESS";
  append_pair(line, "request_id", trace.id);
  append_pair(line, "client", trace.client);
  if (trace.token.empty())
    line += " token=-";
  else
    append_pair(line, "token", trace.token);
  append_pair(line, "method", trace.method);
  append_pair(line, "route", trace.route_pattern);
  append_pair(line, "path", trace.path);
  append_number(line, " status=", static_cast<std::uint64_t>(outcome.status));
  append_number(line, " bytes=", outcome.bytes);
  append_number(line, " duration_us=", outcome.micros);
  line += '\n';
  return line;
}

}  // namespace incident
