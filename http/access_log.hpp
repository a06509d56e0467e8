// The access log's line for one answered request, as logfmt-style text or as
// a JSON object; pure, so tests check the exact bytes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/request_trace.hpp"

namespace incident {

enum class AccessLogFormat { off, text, json };

std::optional<AccessLogFormat> parse_access_log_format(const std::string& text);

/// One line ending in '\n'; `when` is the time of the answer.
std::string access_log_line(AccessLogFormat format, const RequestTrace& trace,
                            const RequestOutcome& outcome,
                            std::chrono::system_clock::time_point when);
/// The same line laid out in `buffer` when nothing in it needs escaping and
/// it fits (the common case, without allocating); else an empty view, and
/// access_log_line makes it.
std::string_view format_access_log_line(char* buffer, std::size_t size, AccessLogFormat format,
                                        const RequestTrace& trace, const RequestOutcome& outcome,
                                        std::chrono::system_clock::time_point when);

}  // namespace incident
