// One client connection's way out. Requests on a connection are answered in
// the order they arrived, whichever thread finishes them first; bytes go
// straight to the socket, and what the socket cannot take yet waits here
// until the ConnectionMonitor sees it writable again. Pistache's reactor owns
// the descriptor and reads from it; this class never closes it, it only shuts
// it down, so the reactor notices and cleans up.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace incident {

class Admission;
class ConnectionMonitor;

struct ConnectionTimeouts {
  std::int64_t request_ms = 30000;  // to finish a request once begun
  std::int64_t idle_ms = 120000;    // keep-alive with nothing to do
  std::int64_t linger_ms = 2000;    // after our last response, before a hard close
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  /// `admission`, when given, is told how many bytes wait here for the client.
  /// Told of each 408 this connection answers by itself (its request id and
  /// size), for the access log and the metrics; called under the connection's lock.
  using TimedOut = std::function<void(const std::string& request_id, std::size_t bytes)>;

  Connection(int fd, ConnectionMonitor& monitor, std::shared_ptr<Admission> admission = nullptr,
             TimedOut timed_out = {});
  ~Connection();

  /// Reserves the next place in the answer order (one per request).
  std::uint64_t open_slot();
  /// The answer for `slot`; with `close_after`, the connection is closed once
  /// it is written and later answers are dropped.
  void fill(std::uint64_t slot, std::string bytes, bool close_after);
  /// The answer for `slot` is an endless stream starting with `head`.
  void fill_stream(std::uint64_t slot, std::string head);
  /// More bytes of the stream; false once the connection is gone.
  bool stream(std::string bytes);
  /// An interim answer (100 Continue), sent only if nothing is queued before it.
  void write_interim(const std::string& bytes);
  /// Shuts the connection down now, dropping anything unsent.
  void abort();
  /// Requests read but not answered yet.
  std::uint64_t unanswered();
  /// False once the connection is closing: further input is ignored.
  bool accepting();
  /// Bytes of answers (or stream) waiting for the client to read them.
  std::size_t backlog_bytes();

  /// Reactor side: input arrived; `mid_request` tells whether part of a
  /// request is still missing.
  void note_input(bool mid_request);
  /// Reactor side: the descriptor is about to be closed; never touch it again.
  void on_disconnected();
  /// Monitor side.
  void on_writable();
  void enforce_timeouts(std::int64_t now_ms, const ConnectionTimeouts& timeouts);

 private:
  struct Answer {
    std::string bytes;
    bool close_after = false;
    bool stream = false;
  };

  void enforce_timeouts_locked(std::int64_t now_ms, const ConnectionTimeouts& timeouts);
  void release_ready_locked();
  void flush_locked();
  void shutdown_locked(int how);
  /// Tells admission how the backlog changed since it was last told.
  void settle_locked();
  std::size_t backlog_locked() const { return ready_bytes_ + (out_.size() - out_offset_); }

  std::mutex mutex_;
  const int fd_;
  ConnectionMonitor& monitor_;
  bool gone_ = false;                // the reactor closed (or is closing) the descriptor
  bool closed_ = false;              // we shut it down both ways
  bool finishing_ = false;           // the last answer is queued; close once it is written
  std::int64_t finished_at_ms_ = 0;  // when our side was shut for writing
  bool streaming_ = false;
  std::optional<std::uint64_t> stream_slot_;  // the slot answered by an event stream, if any
  bool waiting_writable_ = false;
  std::uint64_t next_slot_ = 0;
  std::uint64_t next_to_write_ = 0;
  std::map<std::uint64_t, Answer> ready_;  // answers that arrived before their turn
  std::size_t ready_bytes_ = 0;            // their bytes
  std::shared_ptr<Admission> admission_;
  TimedOut timed_out_;
  std::int64_t accounted_ = 0;     // the backlog admission knows of
  bool accounted_stream_ = false;  // ... and whether it counts as a stream's
  std::string out_;
  std::size_t out_offset_ = 0;
  std::size_t last_answer_bytes_ = 0;                // the size of the answer appended last
  std::int64_t output_progress_ms_ = 0;              // when output last started or moved
  std::atomic<std::int64_t> request_started_ms_{0};  // 0: not inside a request
  std::atomic<std::int64_t> last_activity_ms_;
};

/// Milliseconds on the steady clock.
std::int64_t steady_now_ms();

}  // namespace incident
