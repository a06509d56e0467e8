// Log lines written off the request path: callers append to a buffer, a
// thread of its own writes it to stderr every few milliseconds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace incident {

class LineWriter {
 public:
  /// Past `max_buffered` bytes not yet written (stderr blocked), lines are
  /// dropped and counted rather than held or waited for.
  explicit LineWriter(std::size_t max_buffered = 8 * 1024 * 1024);
  /// Writes what is buffered, then stops the thread.
  ~LineWriter();

  /// Appends one complete line (ending in '\n'); false when it was dropped.
  bool push(std::string_view line);
  /// Writes what is buffered now, on the caller's thread.
  void flush();
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();

  const std::size_t max_buffered_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string buffer_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace incident
