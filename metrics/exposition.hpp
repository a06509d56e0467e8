// Renders the metrics in Prometheus' text exposition format (version 0.0.4).
#pragma once

#include <string>

#include "metrics/metrics.hpp"

namespace incident::metrics {

/// The Content-Type of what render_text writes.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Every metric, with the process' own (memory, descriptors, CPU) read now.
std::string render_text(const Metrics& metrics);

}  // namespace incident::metrics
