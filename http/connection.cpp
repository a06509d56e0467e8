#include "http/connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "http/admission.hpp"
#include "http/connection_monitor.hpp"
#include "http/error_mapping.hpp"
#include "http/request_id.hpp"
#include "http/response_bytes.hpp"

namespace incident {
namespace {

// A client that stops reading (or pipelines without reading) is cut off
// rather than allowed to grow our memory without bound: at most this much
// unsent output beyond the answer appended last (which may be larger alone,
// e.g. an incident with a very long history).
constexpr std::size_t kMaxUnsentBytes = 16 * 1024 * 1024;
// An event stream whose reader falls further behind than this (beyond the
// message appended last) is cut: the reader resumes with Last-Event-ID and
// loses nothing, and ten thousand stalled readers cost megabytes each at most,
// not sixteen.
constexpr std::size_t kMaxStreamBacklog = 256 * 1024;
constexpr std::size_t kShrinkAboveBytes = 256 * 1024;
// While answers waiting for clients hold the server's whole byte budget (and
// so every new request is refused), a connection whose reader has not taken
// a byte for this long, with this much unread, is cut: a few stalled readers
// must not shut the API for everyone until their idle timeout.
constexpr std::int64_t kStalledUnderPressureMs = 1000;
constexpr std::size_t kCutUnderPressureBytes = 1024 * 1024;

}  // namespace

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Connection::Connection(int fd, ConnectionMonitor& monitor, std::shared_ptr<Admission> admission,
                       TimedOut timed_out)
    : fd_(fd),
      monitor_(monitor),
      admission_(std::move(admission)),
      timed_out_(std::move(timed_out)),
      last_activity_ms_(steady_now_ms()) {}

Connection::~Connection() {
  if (admission_)
    admission_->add_backlog(accounted_stream_ ? Backlog::streams : Backlog::answers, -accounted_);
}

std::uint64_t Connection::open_slot() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_slot_++;
}

std::uint64_t Connection::unanswered() {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_slot_ - next_to_write_;
}

bool Connection::accepting() {
  std::lock_guard<std::mutex> lock(mutex_);
  // Nothing after an event stream can ever be answered: it never ends.
  return !gone_ && !closed_ && !finishing_ && !stream_slot_;
}

std::size_t Connection::backlog_bytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return backlog_locked();
}

void Connection::fill(std::uint64_t slot, std::string bytes, bool close_after) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gone_ || closed_) return;
  if (stream_slot_ && slot > *stream_slot_) return;  // behind a stream: never written
  std::size_t size = bytes.size();
  ready_bytes_ += size;
  ready_[slot] = Answer{std::move(bytes), close_after, false};
  release_ready_locked();
  // Answers that came before their turn count too: a client that pipelines
  // and does not read is cut rather than allowed to pile them up.
  if (backlog_locked() > kMaxUnsentBytes + std::max(size, last_answer_bytes_))
    shutdown_locked(SHUT_RDWR);
  settle_locked();
}

void Connection::fill_stream(std::uint64_t slot, std::string head) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gone_ || closed_) return;
  stream_slot_ = slot;
  ready_bytes_ += head.size();
  ready_[slot] = Answer{std::move(head), false, true};
  release_ready_locked();
  settle_locked();
}

bool Connection::stream(std::string bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gone_ || closed_) return false;
  if (!streaming_) {
    // The stream's head still waits for earlier answers: queue behind it.
    for (auto& [slot, answer] : ready_) {
      if (!answer.stream) continue;
      if (answer.bytes.size() > kMaxStreamBacklog) {
        shutdown_locked(SHUT_RDWR);
        settle_locked();
        return false;
      }
      ready_bytes_ += bytes.size();
      answer.bytes += bytes;
      settle_locked();
      return true;
    }
    return false;
  }
  // When stalled readers together hold too much, one that is behind at all is
  // cut: it resumes with Last-Event-ID, and its memory is freed for the rest.
  if (out_offset_ < out_.size() && admission_ && admission_->streams_over_budget()) {
    shutdown_locked(SHUT_RDWR);
    settle_locked();
    return false;
  }
  last_answer_bytes_ = bytes.size();
  out_ += bytes;
  flush_locked();
  settle_locked();
  return !closed_;
}

void Connection::write_interim(const std::string& bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gone_ || closed_ || streaming_ || finishing_) return;
  if (next_slot_ != next_to_write_ || out_offset_ < out_.size()) return;
  out_ += bytes;
  flush_locked();
  settle_locked();
}

void Connection::abort() {
  std::lock_guard<std::mutex> lock(mutex_);
  shutdown_locked(SHUT_RDWR);
  settle_locked();
}

void Connection::note_input(bool mid_request) {
  std::int64_t now = steady_now_ms();
  last_activity_ms_ = now;
  if (!mid_request) {
    request_started_ms_ = 0;
  } else if (request_started_ms_ == 0) {
    request_started_ms_ = now;
  }
}

void Connection::on_disconnected() {
  std::lock_guard<std::mutex> lock(mutex_);
  gone_ = true;
  if (waiting_writable_) monitor_.forget(fd_);
  waiting_writable_ = false;
  ready_.clear();
  ready_bytes_ = 0;
  out_.clear();
  out_offset_ = 0;
  settle_locked();
}

void Connection::on_writable() {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_writable_ = false;
  if (gone_ || closed_) return;
  flush_locked();
  settle_locked();
}

void Connection::enforce_timeouts(std::int64_t now_ms, const ConnectionTimeouts& timeouts) {
  std::lock_guard<std::mutex> lock(mutex_);
  enforce_timeouts_locked(now_ms, timeouts);
  settle_locked();
}

void Connection::enforce_timeouts_locked(std::int64_t now_ms, const ConnectionTimeouts& timeouts) {
  if (gone_ || closed_) return;
  // A peer that stopped reading (an answer, a stream) is cut once its output
  // made no progress for the idle timeout, whatever else the connection does.
  if (out_offset_ < out_.size() && now_ms - output_progress_ms_ > timeouts.idle_ms)
    return shutdown_locked(SHUT_RDWR);
  if (!streaming_ && admission_ && out_offset_ < out_.size() &&
      now_ms - output_progress_ms_ > kStalledUnderPressureMs &&
      backlog_locked() > kCutUnderPressureBytes && admission_->bytes_over_budget())
    return shutdown_locked(SHUT_RDWR);
  if (finishing_) {
    // Our side is shut for writing; a peer that never closes its side is cut.
    if (finished_at_ms_ != 0 && now_ms - finished_at_ms_ > timeouts.linger_ms)
      shutdown_locked(SHUT_RDWR);
    return;
  }
  if (streaming_) return;
  std::int64_t started = request_started_ms_;
  if (started != 0 && now_ms - started > timeouts.request_ms) {
    if (next_slot_ != next_to_write_) return shutdown_locked(SHUT_RDWR);
    std::string id = new_request_id();
    std::string bytes =
        response_bytes(json_response(408, {{"message", "The request was not received in time"},
                                           {"reasons", {{"request", {"Timeout"}}}}}),
                       false, false, {{"X-Request-Id", id}});
    if (timed_out_) timed_out_(id, bytes.size());
    out_ += bytes;
    finishing_ = true;
    flush_locked();
    return;
  }
  bool idle = started == 0 && next_slot_ == next_to_write_ && out_offset_ == out_.size();
  if (idle && now_ms - last_activity_ms_ > timeouts.idle_ms) shutdown_locked(SHUT_RDWR);
}

void Connection::release_ready_locked() {
  while (!streaming_ && !finishing_) {
    auto it = ready_.find(next_to_write_);
    if (it == ready_.end()) break;
    out_ += it->second.bytes;
    ready_bytes_ -= it->second.bytes.size();
    last_answer_bytes_ = it->second.bytes.size();
    if (it->second.stream) {
      streaming_ = true;
    } else {
      ++next_to_write_;
      if (it->second.close_after) finishing_ = true;
    }
    ready_.erase(it);
  }
  if (finishing_) {
    ready_.clear();
    ready_bytes_ = 0;
  }
  flush_locked();
}

void Connection::flush_locked() {
  // Output that starts on a writable socket starts the clock; appends to
  // output stuck behind a full socket do not.
  if (out_offset_ == 0 && !waiting_writable_) output_progress_ms_ = steady_now_ms();
  std::size_t backlog = streaming_ ? kMaxStreamBacklog : kMaxUnsentBytes;
  if (out_.size() - out_offset_ > backlog + last_answer_bytes_) return shutdown_locked(SHUT_RDWR);
  while (out_offset_ < out_.size()) {
    ssize_t sent = ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_,
                          MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent > 0) {
      out_offset_ += static_cast<std::size_t>(sent);
      output_progress_ms_ = steady_now_ms();
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (waiting_writable_) return;
      if (!monitor_.watch_writable(fd_, weak_from_this())) return shutdown_locked(SHUT_RDWR);
      waiting_writable_ = true;
      return;
    }
    return shutdown_locked(SHUT_RDWR);  // the peer is gone; the reactor sees it too
  }
  // A buffer grown by one large answer is given back, not kept per connection.
  if (out_.capacity() > kShrinkAboveBytes) {
    std::string().swap(out_);
  } else {
    out_.clear();
  }
  out_offset_ = 0;
  last_activity_ms_ = steady_now_ms();
  if (finishing_ && finished_at_ms_ == 0) {
    // Half-close: the peer reads everything we sent, then sees the end; a
    // full close now could reset the connection under unread input.
    ::shutdown(fd_, SHUT_WR);
    finished_at_ms_ = steady_now_ms();
  }
}

void Connection::shutdown_locked(int how) {
  if (gone_ || closed_) return;
  ::shutdown(fd_, how);
  if (how == SHUT_RDWR) {
    closed_ = true;
    ready_.clear();
    ready_bytes_ = 0;
    out_.clear();
    out_offset_ = 0;
  }
}

void Connection::settle_locked() {
  if (!admission_) return;
  auto backlog = static_cast<std::int64_t>(backlog_locked());
  if (accounted_stream_ != streaming_) {
    admission_->add_backlog(accounted_stream_ ? Backlog::streams : Backlog::answers, -accounted_);
    accounted_ = 0;
    accounted_stream_ = streaming_;
  }
  if (backlog == accounted_) return;
  admission_->add_backlog(streaming_ ? Backlog::streams : Backlog::answers, backlog - accounted_);
  accounted_ = backlog;
}

}  // namespace incident
