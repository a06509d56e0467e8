// What the kernel knows of this process (memory, descriptors, CPU), read
// from /proc at each scrape.
#pragma once

#include <cstdint>
#include <optional>

namespace incident::metrics {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
  double start_time_seconds = 0;  // since the epoch
  std::uint64_t threads = 0;
};

/// Nullopt when /proc cannot be read.
std::optional<ProcessStats> read_process_stats();

}  // namespace incident::metrics
