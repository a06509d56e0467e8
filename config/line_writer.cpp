// The writer swaps the buffer out under the lock and writes outside it, so a
// slow stderr never holds up the threads appending.
#include "config/line_writer.hpp"

#include <chrono>

#include "config/log.hpp"

namespace incident {
namespace {

// Lines reach stderr within this, or as soon as this much is waiting.
constexpr auto kFlushEvery = std::chrono::milliseconds(50);
constexpr std::size_t kFlushBytes = 64 * 1024;

}  // namespace

LineWriter::LineWriter(std::size_t max_buffered)
    : max_buffered_(max_buffered), thread_([this] { run(); }) {}

LineWriter::~LineWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool LineWriter::push(std::string_view line) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (buffer_.size() + line.size() > max_buffered_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    buffer_.append(line);
    wake = buffer_.size() >= kFlushBytes;
  }
  if (wake) wake_.notify_one();
  return true;
}

void LineWriter::flush() {
  std::string writing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    writing.swap(buffer_);
  }
  write_log_lines(writing);
}

void LineWriter::run() {
  std::string writing;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, kFlushEvery,
                   [this] { return stopping_ || buffer_.size() >= kFlushBytes; });
    writing.swap(buffer_);
    bool last = stopping_;
    lock.unlock();
    if (!writing.empty()) write_log_lines(writing);
    writing.clear();
    if (writing.capacity() > 4 * kFlushBytes) writing.shrink_to_fit();
    if (last) return;
    lock.lock();
  }
}

}  // namespace incident
