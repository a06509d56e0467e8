// Minimal structured logging to stderr: one line per event with a UTC timestamp.
#pragma once

#include <string>

namespace incident {

void log_info(const std::string& message);
void log_warning(const std::string& message);
void log_error(const std::string& message);

}  // namespace incident
