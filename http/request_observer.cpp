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
  auto now = std::chrono::system_clock::now();
  thread_local char buffer[4096];
  auto line = format_access_log_line(buffer, sizeof buffer, format_, trace, outcome, now);
  bool kept = line.empty() ? lines_->push(access_log_line(format_, trace, outcome, now))
                           : lines_->push(line);
  if (!kept && metrics_) metrics_->log_lines_dropped.add();
}

}  // namespace incident
