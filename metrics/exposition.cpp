// One family at a time: HELP and TYPE once, then its samples; histograms as
// cumulative _bucket series with le, then _sum and _count.
#include "metrics/exposition.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "metrics/process_stats.hpp"

namespace incident::metrics {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {  // counts: 20, not 2e+01
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  // The shortest text that reads back as the same double: 0.0001, not 0.000100000000000000005.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

class Writer {
 public:
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const Labels& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
      }
      out_ += '}';
    }
    out_ += ' ' + number(value) + '\n';
  }
  void histogram(const std::string& name, Labels labels, const Histogram& histogram) {
    std::uint64_t cumulative = 0;
    labels.emplace_back("le", "");
    const auto& bounds = histogram.upper_bounds();
    for (std::size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += histogram.bucket(i);
      labels.back().second =
          i < bounds.size()
              ? number(static_cast<double>(bounds[i]) / histogram.units_per_rendered())
              : "+Inf";
      sample(name + "_bucket", labels, static_cast<double>(cumulative));
    }
    labels.pop_back();
    sample(name + "_sum", labels,
           static_cast<double>(histogram.sum()) / histogram.units_per_rendered());
    // The count is the buckets' total, so the series agree within one scrape.
    sample(name + "_count", labels, static_cast<double>(cumulative));
  }
  void counter(const std::string& name, const std::string& help, double value) {
    family(name, "counter", help);
    sample(name, {}, value);
  }
  void gauge(const std::string& name, const std::string& help, double value) {
    family(name, "gauge", help);
    sample(name, {}, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_requests(Writer& out, const RequestMetrics& requests) {
  const std::string prefix = "incident_api_http_";
  out.family(prefix + "requests_total", "counter",
             "HTTP requests answered, by route pattern, method and status.");
  const auto& methods = RequestMetrics::methods();
  const auto& statuses = RequestMetrics::statuses();
  for (std::size_t route = 0; route < requests.patterns().size(); ++route)
    for (std::size_t method = 0; method < methods.size(); ++method)
      for (std::size_t status = 0; status < statuses.size(); ++status) {
        auto value = requests.requests(route, method, status);
        if (value == 0) continue;
        out.sample(prefix + "requests_total",
                   {{"route", requests.patterns()[route]},
                    {"method", methods[method]},
                    {"status", status == 0 ? "other" : std::to_string(statuses[status])}},
                   static_cast<double>(value));
      }
  out.family(prefix + "request_duration_seconds", "histogram",
             "Time from a request read whole to its answer queued, by route pattern.");
  // A route never requested yet has no series: the scrape stays short.
  for (std::size_t route = 0; route < requests.patterns().size(); ++route) {
    auto latency = requests.latency(route);
    if (latency.sum() > 0 || latency.bucket(0) > 0)
      out.histogram(prefix + "request_duration_seconds", {{"route", requests.patterns()[route]}},
                    latency);
  }
  out.family(prefix + "response_bytes_total", "counter",
             "Bytes of answers (head and body), by route pattern.");
  for (std::size_t route = 0; route < requests.patterns().size(); ++route)
    if (requests.bytes(route) > 0)
      out.sample(prefix + "response_bytes_total", {{"route", requests.patterns()[route]}},
                 static_cast<double>(requests.bytes(route)));
}

void write_redis(Writer& out, const Metrics& metrics) {
  const std::vector<std::pair<const char*, const PipelineMetrics*>> pipelines = {
      {"primary", &metrics.redis_primary},
      {"reads", &metrics.redis_reads},
      {"writes", &metrics.redis_writes}};
  auto counters = [&](const std::string& name, const std::string& help,
                      const Counter PipelineMetrics::*member) {
    out.family("incident_api_redis_" + name, "counter", help);
    for (const auto& [connection, pipeline] : pipelines)
      out.sample("incident_api_redis_" + name, {{"connection", connection}},
                 static_cast<double>((pipeline->*member).value()));
  };
  counters("commands_total", "Commands sent to Redis, by connection.", &PipelineMetrics::commands);
  counters("round_trips_total", "Batches of commands written and answered, by connection.",
           &PipelineMetrics::round_trips);
  counters("errors_total", "Error replies and commands lost with a connection, by connection.",
           &PipelineMetrics::errors);
  counters("connects_total", "Connections made to Redis, by connection.",
           &PipelineMetrics::connects);
  counters("connect_failures_total",
           "Connection attempts that failed or reached a server not usable, by connection.",
           &PipelineMetrics::connect_failures);
  out.family("incident_api_redis_batch_commands", "histogram",
             "Commands per round trip (pipelining depth), by connection.");
  for (const auto& [connection, pipeline] : pipelines)
    out.histogram("incident_api_redis_batch_commands", {{"connection", connection}},
                  pipeline->batch);
}

void write_actors(Writer& out, const Metrics& metrics) {
  const auto& commits = metrics.commits;
  out.family("incident_api_commit_group_writes", "histogram",
             "Writes to one incident committed together by one script call.");
  out.histogram("incident_api_commit_group_writes", {}, commits.group);
  out.counter("incident_api_commit_conflicts_total",
              "Commits that lost to another process's write to the same incident.",
              static_cast<double>(commits.conflicts.value()));
  out.counter("incident_api_write_retries_total", "Writes committed again after such a loss.",
              static_cast<double>(commits.retries.value()));
  out.counter("incident_api_write_conflicts_refused_total",
              "Writes that lost too often and were answered 409.",
              static_cast<double>(commits.refused.value()));
  out.counter("incident_api_commits_in_doubt_total",
              "Commits whose outcome was unknown (answered 503, may or may not be kept).",
              static_cast<double>(commits.in_doubt.value()));
  out.counter("incident_api_idempotent_replays_total",
              "Retries with an Idempotency-Key answered with the write kept earlier.",
              static_cast<double>(commits.replayed_keys.value()));
  const auto& cache = metrics.cache;
  out.gauge("incident_api_incident_cache_actors", "Incident actors alive (cached incidents).",
            static_cast<double>(cache.actors.value()));
  out.gauge("incident_api_incident_cache_bytes", "Estimated bytes held by cached incidents.",
            static_cast<double>(cache.bytes.value()));
  out.counter("incident_api_incident_cache_hits_total",
              "Requests served from an incident already cached.",
              static_cast<double>(cache.hits.value()));
  out.counter("incident_api_incident_cache_misses_total",
              "Incidents loaded from Redis into an actor.",
              static_cast<double>(cache.misses.value()));
  out.family("incident_api_incident_cache_evictions_total", "counter",
             "Incident actors retired, by reason.");
  out.sample("incident_api_incident_cache_evictions_total", {{"reason", "capacity"}},
             static_cast<double>(cache.evicted_capacity.value()));
  out.sample("incident_api_incident_cache_evictions_total", {{"reason", "bytes"}},
             static_cast<double>(cache.evicted_bytes.value()));
  out.sample("incident_api_incident_cache_evictions_total", {{"reason", "idle"}},
             static_cast<double>(cache.retired_idle.value()));
  const auto& rendered = metrics.render_cache;
  out.counter("incident_api_render_cache_hits_total",
              "Incidents (list items and GETs) answered from a rendering kept at their version.",
              static_cast<double>(rendered.hits.value()));
  out.counter(
      "incident_api_render_cache_misses_total",
      "Incidents (list items and GETs) rendered because no rendering of their version was kept.",
      static_cast<double>(rendered.misses.value()));
  out.counter("incident_api_render_cache_evictions_total",
              "Renderings dropped to stay within --render-cache-bytes.",
              static_cast<double>(rendered.evicted.value()));
  out.gauge("incident_api_render_cache_bytes",
            "Estimated bytes of incident renderings kept (--render-cache-bytes).",
            static_cast<double>(rendered.bytes.value()));
}

void write_feed(Writer& out, const Metrics& metrics) {
  const auto& feed = metrics.feed;
  out.counter("incident_api_change_feed_entries_total",
              "Change-stream entries read by this process's follower.",
              static_cast<double>(feed.follower_entries.value()));
  out.gauge("incident_api_change_feed_lag_seconds",
            "Age of the newest change-stream entry when the follower read it (0 when caught up).",
            static_cast<double>(feed.follower_lag_ms.value()) / 1000.0);
  out.counter("incident_api_change_feed_reconnects_total",
              "Times the follower connected to Redis again.",
              static_cast<double>(feed.follower_reconnects.value()));
  out.counter("incident_api_change_stream_trimmed_entries_total",
              "Change-stream entries this process's trims by age removed (--stream-retention).",
              static_cast<double>(feed.stream_trimmed.value()));
  out.counter("incident_api_change_stream_trim_failures_total",
              "Trims by age of the change stream that failed (tried again 5 s later).",
              static_cast<double>(feed.stream_trim_failures.value()));
  out.gauge("incident_api_sse_sessions", "Open event streams (GET /api/incident/stream).",
            static_cast<double>(feed.sse_sessions.value()));
  out.counter("incident_api_sse_sessions_opened_total", "Event streams opened.",
              static_cast<double>(feed.sse_opened.value()));
}

void write_webhooks(Writer& out, const Metrics& metrics) {
  const auto& webhooks = metrics.webhooks;
  out.family("incident_api_webhook_attempts_total", "counter",
             "Webhook delivery attempts by this process, by outcome.");
  out.sample("incident_api_webhook_attempts_total", {{"outcome", "delivered"}},
             static_cast<double>(webhooks.attempts_delivered.value()));
  out.sample("incident_api_webhook_attempts_total", {{"outcome", "failed"}},
             static_cast<double>(webhooks.attempts_failed.value()));
  out.counter("incident_api_webhook_changes_failed_total",
              "Changes given up on an endpoint once their retries ran out.",
              static_cast<double>(webhooks.changes_failed.value()));
  out.counter("incident_api_webhook_endpoints_disabled_total",
              "Endpoints disabled (410 Gone, or a run of changes failed for good).",
              static_cast<double>(webhooks.endpoints_disabled.value()));
  out.counter("incident_api_webhook_changes_read_total",
              "Changes this process took from the webhooks consumer group.",
              static_cast<double>(webhooks.changes_read.value()));
  out.counter("incident_api_webhook_changes_claimed_total",
              "Changes taken over from a process that went silent.",
              static_cast<double>(webhooks.changes_claimed.value()));
  out.counter("incident_api_webhook_changes_missed_total",
              "Changes trimmed from the stream (--stream-maxlen) before any process delivered "
              "them: deliveries fell that far behind.",
              static_cast<double>(webhooks.changes_missed.value()));
  out.gauge("incident_api_webhook_attempts_in_flight", "Webhook attempts on the wire.",
            static_cast<double>(webhooks.in_flight.value()));
  out.family("incident_api_webhook_delivery_seconds", "histogram",
             "From a change's commit to its first attempt's 2xx answer.");
  out.histogram("incident_api_webhook_delivery_seconds", {}, webhooks.delivery_latency);
}

void write_process(Writer& out) {
  std::optional<ProcessStats> stats;
  try {
    stats = read_process_stats();
  } catch (const std::exception&) {
  }
  if (!stats) return;
  out.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
              stats->cpu_seconds);
  out.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
            static_cast<double>(stats->resident_bytes));
  out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
            static_cast<double>(stats->virtual_bytes));
  out.gauge("process_open_fds", "Open file descriptors.", static_cast<double>(stats->open_fds));
  out.gauge("process_max_fds", "Most open file descriptors allowed.",
            static_cast<double>(stats->max_fds));
  out.gauge("process_threads", "Threads of the process.", static_cast<double>(stats->threads));
  if (stats->start_time_seconds > 0)
    out.gauge("process_start_time_seconds",
              "Start time of the process since the epoch, in seconds.", stats->start_time_seconds);
}

}  // namespace

std::string render_text(const Metrics& metrics) {
  Writer out;
  out.family("incident_api_build_info", "gauge", "Always 1; the labels say which build runs.");
  out.sample("incident_api_build_info", {{"version", metrics.version}}, 1);
  write_requests(out, metrics.requests);
  const auto& connections = metrics.connections;
  out.gauge("incident_api_http_connections_open", "Client connections open.",
            static_cast<double>(connections.open.value()));
  out.counter("incident_api_http_connections_accepted_total", "Client connections accepted.",
              static_cast<double>(connections.accepted.value()));
  out.counter("incident_api_http_connections_refused_total",
              "Client connections refused at the --max-connections bound.",
              static_cast<double>(connections.refused.value()));
  out.counter("incident_api_rate_limited_requests_total", "Requests answered 429.",
              static_cast<double>(metrics.rate_limited.value()));
  write_redis(out, metrics);
  write_actors(out, metrics);
  write_feed(out, metrics);
  write_webhooks(out, metrics);
  out.counter("incident_api_log_lines_dropped_total",
              "Access-log lines dropped because the log output was blocked.",
              static_cast<double>(metrics.log_lines_dropped.value()));
  for (const auto& sampled : metrics.sampled) out.gauge(sampled.name, sampled.help, sampled.read());
  write_process(out);
  return out.take();
}

}  // namespace incident::metrics
