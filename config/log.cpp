// Lines go through the installed LineWriter (one thread writes stderr, in
// order, never blocking the caller); before it is installed and after it is
// removed, straight to stderr, one write(2) per line under a mutex.
#include "config/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "config/line_writer.hpp"

namespace incident {
namespace {

std::atomic<int> minimum_level{static_cast<int>(LogLevel::info)};
std::atomic<int> chosen_format{static_cast<int>(LogFormat::text)};
std::mutex sink_mutex;  // guards `sink` and direct writes
std::shared_ptr<LineWriter> sink;

void write_directly(std::string_view lines) {
  while (!lines.empty()) {
    ssize_t written = ::write(STDERR_FILENO, lines.data(), lines.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // nowhere to log to: nothing better to do
    lines.remove_prefix(static_cast<std::size_t>(written));
  }
}

void write_log_line(const std::string& line, bool urgent) {
  std::shared_ptr<LineWriter> writer;
  {
    std::lock_guard<std::mutex> lock(sink_mutex);
    if (!sink) return write_directly(line);
    writer = sink;
  }
  writer->push(line, urgent);
}

const char* level_name(LogLevel level, bool lowercase) {
  switch (level) {
    case LogLevel::debug:
      return lowercase ? "debug" : "DEBUG";
    case LogLevel::info:
      return lowercase ? "info" : "INFO";
    case LogLevel::warn:
      return lowercase ? "warn" : "WARN";
    case LogLevel::error:
      return lowercase ? "error" : "ERROR";
  }
  return "?";
}

void write_line(LogLevel level, const std::string& message) {
  if (!log_enabled(level)) return;
  std::string stamp = log_timestamp(std::chrono::system_clock::now());
  std::string line;
  if (log_format() == LogFormat::json) {
    line = "{\"time\":\"" + stamp + "\",\"level\":\"" + level_name(level, true) +
           "\",\"message\":" + json_quote(message) + "}\n";
  } else {
    line = stamp + " " + level_name(level, false) + " " + message + "\n";
  }
  write_log_line(line, level >= LogLevel::warn);
}

/// Bytes of the well-formed UTF-8 sequence at the front of `text`; 0 when it
/// is not one (overlong forms and surrogates included).
std::size_t utf8_sequence(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  std::size_t length = lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;
  if (length == 0 || text.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i)
    if ((byte(i) & 0xc0) != 0x80) return 0;
  if (lead == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
  if (lead == 0xed && byte(1) >= 0xa0) return 0;  // surrogate
  if (lead == 0xf0 && byte(1) < 0x90) return 0;   // overlong
  if (lead == 0xf4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
  return length;
}

}  // namespace

std::optional<LogLevel> parse_log_level(const std::string& text) {
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error})
    if (text == level_name(level, true)) return level;
  if (text == "warning") return LogLevel::warn;
  return std::nullopt;
}

void configure_log(LogLevel level, LogFormat format) {
  minimum_level = static_cast<int>(level);
  chosen_format = static_cast<int>(format);
}

bool log_enabled(LogLevel level) {
  return static_cast<int>(level) >= minimum_level.load(std::memory_order_relaxed);
}

LogFormat log_format() { return static_cast<LogFormat>(chosen_format.load()); }

void log_debug(const std::string& message) { write_line(LogLevel::debug, message); }
void log_info(const std::string& message) { write_line(LogLevel::info, message); }
void log_warning(const std::string& message) { write_line(LogLevel::warn, message); }
void log_error(const std::string& message) { write_line(LogLevel::error, message); }

std::string log_timestamp(std::chrono::system_clock::time_point when) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  std::size_t length = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(stamp + length, sizeof stamp - length, ".%06lldZ",
                static_cast<long long>(micros % 1000000));
  return stamp;
}

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Invalid UTF-8 (a raw byte in a client's path) would make the line invalid JSON.
      std::size_t length = utf8_sequence(text.substr(i));
      if (length == 0) {
        out += "\\ufffd";
      } else {
        out.append(text.substr(i, length));
        i += length - 1;
      }
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void install_log_writer(std::shared_ptr<LineWriter> writer) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  sink = std::move(writer);
}

}  // namespace incident
