// Text lines are key=value pairs; a value with a space, a quote, '=' or a
// control or non-ASCII byte is quoted and escaped, so one line is one request
// whatever a client put in its path or its token's name.
#include "http/access_log.hpp"

#include "config/log.hpp"

namespace incident {
namespace {

bool needs_quotes(const std::string& value) {
  if (value.empty()) return true;
  for (unsigned char c : value)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

/// Quoted with JSON's escapes, which keep the line on one line and ASCII-safe.
std::string text_value(const std::string& value) {
  return needs_quotes(value) ? json_quote(value) : value;
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
  const std::string stamp = log_timestamp(when);
  const std::string status = std::to_string(outcome.status);
  const std::string bytes = std::to_string(outcome.bytes);
  const std::string micros = std::to_string(outcome.micros);
  if (format == AccessLogFormat::json) {
    return "{\"time\":\"" + stamp +
           "\",\"level\":\"info\",\"type\":\"access\",\"request_id\":" + json_quote(trace.id) +
           ",\"client\":" + json_quote(trace.client) +
           ",\"token\":" + (trace.token.empty() ? std::string("null") : json_quote(trace.token)) +
           ",\"method\":" + json_quote(trace.method) +
           ",\"route\":" + json_quote(trace.route_pattern) + ",\"path\":" + json_quote(trace.path) +
           ",\"status\":" + status + ",\"bytes\":" + bytes + ",\"duration_us\":" + micros + "}\n";
  }
  return stamp + " ACCESS request_id=" + text_value(trace.id) +
         " client=" + text_value(trace.client) +
         " token=" + (trace.token.empty() ? std::string("-") : text_value(trace.token)) +
         " method=" + text_value(trace.method) + " route=" + text_value(trace.route_pattern) +
         " path=" + text_value(trace.path) + " status=" + status + " bytes=" + bytes +
         " duration_us=" + micros + "\n";
}

}  // namespace incident
