// Sees every answered request once: counts it in the metrics and writes its
// access-log line. Shared by every connection; takes no lock for the metrics.
#pragma once

#include <memory>

#include "config/line_writer.hpp"
#include "http/access_log.hpp"
#include "http/request_trace.hpp"
#include "metrics/metrics.hpp"

namespace incident {

class RequestObserver {
 public:
  /// `metrics` null: requests are not counted (--metrics off); `lines` null
  /// or `format` off: no access log.
  RequestObserver(std::shared_ptr<metrics::Metrics> metrics, AccessLogFormat format,
                  std::shared_ptr<LineWriter> lines);

  void finished(const RequestTrace& trace, int status, std::size_t bytes) const;

 private:
  std::shared_ptr<metrics::Metrics> metrics_;
  AccessLogFormat format_;
  std::shared_ptr<LineWriter> lines_;
};

}  // namespace incident
