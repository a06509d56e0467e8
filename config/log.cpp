// Writes log lines atomically (one fprintf per line) so threads never interleave.
#include "config/log.hpp"

#include <cstdio>
#include <ctime>

namespace incident {
namespace {

void write_line(const char* level, const std::string& message) {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::fprintf(stderr, "%s %s %s\n", stamp, level, message.c_str());
}

}  // namespace

void log_info(const std::string& message) { write_line("INFO", message); }
void log_warning(const std::string& message) { write_line("WARN", message); }
void log_error(const std::string& message) { write_line("ERROR", message); }

}  // namespace incident
