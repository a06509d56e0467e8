// The writer swaps the buffer out under the lock and writes outside it. It
// polls the output before each write of at most PIPE_BUF bytes (which a pipe
// that polls writable takes whole), so it never blocks in write(2) itself:
// stopping the process never waits on a reader that went away.
#include "config/line_writer.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <iterator>

#include "config/thread_name.hpp"

namespace incident {
namespace {

// Lines reach stderr within this, or as soon as this much is waiting.
constexpr auto kFlushEvery = std::chrono::milliseconds(50);
constexpr std::size_t kFlushBytes = 64 * 1024;
// How long one batch may wait for a blocked output before it is dropped,
// and how long the last one may when stopping.
constexpr auto kBatchPatience = std::chrono::seconds(5);
constexpr auto kStopPatience = std::chrono::seconds(1);

}  // namespace

namespace {

std::size_t piece_for(int fd) {
  struct stat status {};
  bool file = ::fstat(fd, &status) == 0 && S_ISREG(status.st_mode);
  return file ? kFlushBytes * 16 : PIPE_BUF;
}

}  // namespace

LineWriter::LineWriter(int fd, std::size_t max_buffered)
    : fd_(fd), piece_(piece_for(fd)), max_buffered_(max_buffered), thread_([this] {
        name_this_thread("log.writer");
        run();
      }) {}

void LineWriter::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    give_up_at_ = (std::chrono::steady_clock::now() + kStopPatience).time_since_epoch().count();
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool LineWriter::push(std::string_view lines, bool urgent) {
  static std::atomic<std::size_t> threads_seen{0};
  thread_local const std::size_t thread_index = threads_seen.fetch_add(1);
  auto& shard = shards_[thread_index % std::size(shards_)];
  std::size_t buffered;
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    // Checked under the shard's lock, which the writer takes after stopping_
    // is set: no line is appended once the last batch has been collected.
    if (stopping_.load() ||
        buffered_.load(std::memory_order_relaxed) + lines.size() > max_buffered_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    shard.buffer.append(lines);
    buffered = buffered_.fetch_add(lines.size(), std::memory_order_relaxed) + lines.size();
  }
  if (urgent) urgent_.store(true);
  if (urgent || (buffered >= kFlushBytes && buffered - lines.size() < kFlushBytes)) {
    // Taking the writer's lock orders this with its check of the predicate:
    // the wake-up cannot fall between its check and its wait.
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_one();
  }
  return true;
}

std::size_t LineWriter::write_out(std::string_view data,
                                  std::chrono::steady_clock::time_point deadline) {
  while (!data.empty()) {
    auto give_up_at = give_up_at_.load();
    if (give_up_at != 0)
      deadline = std::min(deadline, std::chrono::steady_clock::time_point(
                                        std::chrono::steady_clock::duration(give_up_at)));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd output{fd_, POLLOUT, 0};
    int ready = ::poll(&output, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (output.revents & (POLLERR | POLLHUP | POLLNVAL)) break;  // nobody will read it
    ssize_t written = ::write(fd_, data.data(), std::min(data.size(), piece_));
    if (written < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (written <= 0) break;
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return data.size();
}

void LineWriter::run() {
  std::string writing;
  for (;;) {
    bool last;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, kFlushEvery, [this] {
        return stopping_.load() || urgent_.load() ||
               buffered_.load(std::memory_order_relaxed) >= kFlushBytes;
      });
      urgent_.store(false);
      last = stopping_.load();
    }
    for (auto& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mutex);
      writing.append(shard.buffer);
      buffered_.fetch_sub(shard.buffer.size(), std::memory_order_relaxed);
      shard.buffer.clear();
      if (shard.buffer.capacity() > 4 * kFlushBytes) shard.buffer.shrink_to_fit();
    }
    if (!writing.empty() &&
        write_out(writing, std::chrono::steady_clock::now() + kBatchPatience) > 0)
      dropped_.fetch_add(1, std::memory_order_relaxed);  // the rest of a batch: one drop
    writing.clear();
    if (writing.capacity() > 4 * kFlushBytes) writing.shrink_to_fit();
    if (last) return;
  }
}

}  // namespace incident
