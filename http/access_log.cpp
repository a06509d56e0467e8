// Text lines are key=value pairs; a value with a space, a quote, '=' or a
// control or non-ASCII byte is quoted and escaped, so one line is one request
// whatever a client put in its path or its token's name.
#include "http/access_log.hpp"

#include <charconv>
#include <cstdint>

#include "config/log.hpp"

namespace incident {
namespace {

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
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

/// Appends the time of a line, formatted from scratch once a second per thread.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point when) {
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached;
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::int64_t second = micros / 1000000;
  if (second != cached_second) {
    cached = log_timestamp(when);  // "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"
    cached_second = second;
  }
  auto fraction = static_cast<std::uint32_t>(micros % 1000000);
  out.append(cached, 0, 20);  // up to the '.'
  char digits[6];
  for (int i = 5; i >= 0; --i, fraction /= 10) digits[i] = static_cast<char>('0' + fraction % 10);
  out.append(digits, sizeof digits);
  out += 'Z';
}

}  // namespace

std::optional<AccessLogFormat> parse_access_log_format(const std::string& text) {
  if (text == "off") return AccessLogFormat::off;
  if (text == "text") return AccessLogFormat::text;
  if (text == "json") return AccessLogFormat::json;
  return std::nullopt;
}

std::string access_log_line(AccessLogFormat format, const RequestTrace& trace,
                            const RequestOutcome& outcome,
                            std::chrono::system_clock::time_point when) {
  std::string line;
  append_access_log_line(line, format, trace, outcome, when);
  return line;
}

void append_access_log_line(std::string& line, AccessLogFormat format, const RequestTrace& trace,
                            const RequestOutcome& outcome,
                            std::chrono::system_clock::time_point when) {
  if (format == AccessLogFormat::json) {
    line += "{\"time\":\"";
    append_timestamp(line, when);
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
    return;
  }
  append_timestamp(line, when);
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
}

}  // namespace incident
