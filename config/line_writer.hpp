// Log lines written off the calling threads: callers append to a buffer, a
// thread of its own writes it to stderr every few milliseconds. Only that
// thread ever waits on stderr, and never for long: a reader that stops
// reading costs dropped lines (counted), never a stuck request or Redis thread.
// Callers append to one of a few buffers chosen by thread, so threads logging
// at once (an access line per request) do not queue on one lock; lines of one
// thread stay in order, lines of two threads within one batch may not.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace incident {

class LineWriter {
 public:
  /// Writes to `fd`. Past `max_buffered` bytes not yet written (stderr
  /// blocked), lines are dropped and counted rather than held or waited for.
  explicit LineWriter(int fd, std::size_t max_buffered = 8 * 1024 * 1024);
  /// Writes what is buffered (waiting at most about a second for a blocked
  /// output), then stops the thread; later lines are dropped.
  void close();
  ~LineWriter() { close(); }

  /// Appends complete lines (each ending in '\n'); false when dropped.
  /// `urgent` wakes the writer at once (warnings and errors).
  bool push(std::string_view lines, bool urgent = false);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run();
  /// Writes `data` in pieces the output takes without blocking; gives up on
  /// what is left once `deadline` passes. Returns the bytes not written.
  std::size_t write_out(std::string_view data, std::chrono::steady_clock::time_point deadline);

  const int fd_;
  /// Bytes per write(2): PIPE_BUF for a pipe (which then never blocks once it
  /// polls writable), everything at once for a file (which never blocks).
  const std::size_t piece_;
  const std::size_t max_buffered_;
  struct alignas(64) Shard {
    std::mutex mutex;
    std::string buffer;
  };
  Shard shards_[4];
  std::atomic<std::size_t> buffered_{0};  // bytes in all shards
  std::mutex mutex_;                      // the writer's wake-ups
  std::condition_variable wake_;
  std::atomic<bool> urgent_{false};
  std::atomic<bool> stopping_{false};
  /// Set by close(): a batch waiting for a blocked output gives up then.
  std::atomic<std::chrono::steady_clock::rep> give_up_at_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace incident
