// Metrics first (a few relaxed atomics), then the log line, formatted here and
// handed to the writer thread: the request path never waits on stderr, and
// takes no lock another request thread holds.
#include "http/request_observer.hpp"

namespace incident {

RequestObserver::RequestObserver(std::shared_ptr<metrics::Metrics> metrics, AccessLogFormat format,
                                 std::shared_ptr<LineWriter> lines)
    : metrics_(std::move(metrics)),
      format_(lines ? format : AccessLogFormat::off),
      lines_(std::move(lines)) {}

void RequestObserver::finished(const RequestTrace& trace, int status, std::size_t bytes) const {
  if (!metrics_ && format_ == AccessLogFormat::off) return;
  RequestOutcome outcome{status, bytes, 0};
  auto elapsed = std::chrono::steady_clock::now() - trace.started;
  outcome.micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
  if (metrics_) metrics_->requests.record(trace.route, trace.method, status, outcome.micros, bytes);
  if (format_ == AccessLogFormat::off) return;
  thread_local std::string line;  // its capacity is kept: no allocation per request
  line.clear();
  append_access_log_line(line, format_, trace, outcome, std::chrono::system_clock::now());
  if (!lines_->push(line) && metrics_) metrics_->log_lines_dropped.add();
  if (line.capacity() > 64 * 1024) std::string().swap(line);  // after a huge path
}

}  // namespace incident
