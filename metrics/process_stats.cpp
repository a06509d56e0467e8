// /proc/self/stat fields (man 5 proc): 14-15 utime/stime and 22 starttime in
// clock ticks, 20 num_threads, 23 vsize in bytes, 24 rss in pages.
#include "metrics/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace incident::metrics {
namespace {

std::uint64_t count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return 0;
  std::uint64_t count = 0;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(dir);
  return count > 0 ? count - 1 : 0;  // the directory being read is one
}

/// Seconds since the epoch at which the machine booted.
std::optional<double> read_boot_time() {
  std::ifstream stat("/proc/stat");
  std::string key;
  while (stat >> key) {
    if (key == "btime") {
      double seconds = 0;
      stat >> seconds;
      return seconds;
    }
    stat.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

/// Read once: the boot time does not change, and /proc/stat is long.
std::optional<double> boot_time() {
  static const std::optional<double> booted = read_boot_time();
  return booted;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  std::ifstream file("/proc/self/stat");
  std::string text;
  if (!std::getline(file, text)) return std::nullopt;
  // The command name (field 2) may hold spaces: fields resume after its ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields{"pid", "comm"};
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 24) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  auto field = [&](std::size_t number) { return std::stoull(fields[number - 1]); };
  ProcessStats stats;
  stats.cpu_seconds = static_cast<double>(field(14) + field(15)) / ticks;
  stats.threads = field(20);
  stats.virtual_bytes = field(23);
  stats.resident_bytes = field(24) * page;
  if (auto booted = boot_time())
    stats.start_time_seconds = *booted + static_cast<double>(field(22)) / ticks;
  stats.open_fds = count_open_fds();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
  return stats;
}

}  // namespace incident::metrics
