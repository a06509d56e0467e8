// Logging to stderr: one line per event with a UTC timestamp, as text or as
// JSON objects, filtered by level. Set once in main, before any thread starts.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace incident {

class LineWriter;

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

std::optional<LogLevel> parse_log_level(const std::string& text);

/// Called once in main before any other thread runs; defaults: info, text.
void configure_log(LogLevel level, LogFormat format);
bool log_enabled(LogLevel level);
LogFormat log_format();

void log_debug(const std::string& message);
void log_info(const std::string& message);
void log_warning(const std::string& message);
void log_error(const std::string& message);

/// "2026-12-04T02:14:37.123456Z".
std::string log_timestamp(std::chrono::system_clock::time_point when);

/// `text` quoted as a JSON string.
std::string json_quote(std::string_view text);

/// From now on every log line goes through `writer` (its thread alone
/// writes to stderr); nullptr: lines are written directly again.
void install_log_writer(std::shared_ptr<LineWriter> writer);

}  // namespace incident
