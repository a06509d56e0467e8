// Every metric the server keeps, in one object made in main and shared by
// pointer with whoever records: no globals, no registration at run time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "metrics/instruments.hpp"
#include "metrics/request_metrics.hpp"

namespace incident::metrics {

/// One Redis connection's traffic.
struct PipelineMetrics {
  Counter commands;          // commands sent
  Counter round_trips;       // batches written, whose replies were all read
  Counter errors;            // error replies, and commands failed by a broken connection
  Counter connects;          // connections made (the first one included)
  Counter connect_failures;  // attempts that failed, or reached a server that was refused
  Histogram batch{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}, 1.0};  // commands per round trip
};

struct CommitMetrics {
  Histogram group{{1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64}, 1.0};  // writes per commit script
  Counter conflicts;      // commits that lost to another process's write
  Counter retries;        // writes sent again after such a loss
  Counter refused;        // writes that lost too often (answered 409)
  Counter in_doubt;       // commits whose outcome is unknown (answered 503)
  Counter replayed_keys;  // Idempotency-Key retries answered with the write kept earlier
};

struct CacheMetrics {
  Gauge actors;  // incident actors alive
  Gauge bytes;   // estimated bytes of cached incidents
  Counter hits;
  Counter misses;  // loads from Redis
  Counter evicted_capacity;
  Counter evicted_bytes;
  Counter retired_idle;
};

struct RenderCacheMetrics {
  Counter hits;     // incidents answered from a rendering kept at their version
  Counter misses;   // incidents rendered anew (list items: loaded from Redis first)
  Counter evicted;  // renderings dropped for room
  Gauge bytes;      // estimated bytes of renderings kept
};

struct FeedMetrics {
  Counter follower_entries;  // change-stream entries the follower read
  Gauge follower_lag_ms;     // age of the newest entry read when it was read; 0 when caught up
  Counter follower_reconnects;
  Counter stream_trimmed;        // entries the trim by age removed (--stream-retention)
  Counter stream_trim_failures;  // trims by age Redis did not run
  Gauge sse_sessions;
  Counter sse_opened;
};

struct ConnectionMetrics {
  Gauge open;
  Counter accepted;
  Counter refused;  // over --max-connections
};

struct WebhookMetrics {
  Counter attempts_delivered;  // attempts answered 2xx
  Counter attempts_failed;     // attempts answered otherwise, or not at all
  Counter changes_failed;      // changes given up on an endpoint after their retries
  Counter endpoints_disabled;  // by 410 Gone or a run of changes failed for good
  Counter changes_read;        // changes this process took from the consumer group
  Counter changes_claimed;     // taken over from a process that went silent
  Counter changes_missed;      // trimmed from the stream before the group read them
  Gauge in_flight;             // attempts on the wire
  /// Commit to 2xx answer, for first attempts delivered (the lag a receiver sees).
  Histogram delivery_latency{latency_bounds_us(), 1e6};
};

/// A value read when scraped (a bound, a queue length owned elsewhere).
struct Sampled {
  std::string name;
  std::string help;
  std::function<double()> read;
};

struct Metrics {
  explicit Metrics(std::vector<std::string> route_patterns, std::string version)
      : requests(std::move(route_patterns)), version(std::move(version)) {}

  RequestMetrics requests;
  ConnectionMetrics connections;
  Counter rate_limited;
  PipelineMetrics redis_primary;  // loads and commits
  PipelineMetrics redis_reads;    // lists, catalog, rate counts, stream reads
  PipelineMetrics redis_writes;   // writes that wait for replicas (--redis-replicas-ack)
  CommitMetrics commits;
  CacheMetrics cache;
  RenderCacheMetrics render_cache;
  FeedMetrics feed;
  WebhookMetrics webhooks;
  Counter log_lines_dropped;  // access-log lines dropped while stderr was blocked
  std::string version;
  /// Added in main before the server starts, read-only afterwards.
  std::vector<Sampled> sampled;
};

}  // namespace incident::metrics
