// The server's configuration: one struct, built once in main from defaults,
// PM_* environment variables and command-line flags (flags win), validated once.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/result.hpp"
#include "storage/store_types.hpp"

namespace incident {

/// HTTP threads by default: half the cores, at least one. A GET of a cached
/// incident is answered whole on its HTTP thread; the other cores are for
/// the actors, the Redis I/O and Redis itself (benchmarks/RESULTS.md).
int default_http_threads();

struct Settings {
  std::string bind = "127.0.0.1";
  int port = 8080;
  int threads = default_http_threads();
  std::string data_dir = "./data";
  std::string redis_uri;        // empty: start an embedded redis-server
  std::string redis_sentinels;  // host:port,...: find the primary through Sentinel
  std::string redis_master_name = "mymaster";
  int redis_replicas_ack = 0;  // replicas that must confirm a write before it is answered
  int redis_replicas_ack_timeout_ms = 1000;
  std::string redis_server = "redis-server";
  std::string fsync = "everysec";  // embedded Redis: always | everysec | no
  std::string key_prefix = "pm";
  std::string secret_key = "changeit";
  bool allow_default_secret = false;
  std::string jwt_issuer = "ProdManager";
  std::string external_url;  // empty: built from each request's Host header
  std::size_t max_body_bytes = 1024 * 1024;
  int redis_timeout_ms = 1000;
  long long stream_max_length = kDefaultStreamMaxLength;
  long long stream_retention_seconds = 7 * 86400;  // 0: by count only
  long long list_budget = 20000;                   // index entries one list may examine
  int sse_heartbeat_seconds = 15;
  bool ratelimit_enabled = false;
  long long ratelimit_default = 1000;  // requests per period, anonymous clients (by address)
  long long ratelimit_logged = 10000;  // requests per period, token holders (by jti)
  int ratelimit_period_hours = 1;
  long max_connections = 10000;      // lowered at start to fit the descriptor limit
  int request_timeout_seconds = 30;  // to receive a whole request once it has begun
  int idle_timeout_seconds = 120;    // a keep-alive connection with nothing to do
  // One actor thread beside the HTTP threads and the Redis I/O threads was the
  // fastest on 2 cores: more only add context switches (benchmarks/RESULTS.md).
  int actor_threads = 1;
  long long actor_cache = 50000;
  long long actor_cache_mb = 512;              // cached incidents, estimated
  long long render_cache_bytes = 128LL << 20;  // renderings of list items, estimated
  // Admission: past either bound a request is answered 503 with Retry-After.
  long max_pending_requests = 4096;  // admitted and not yet answered
  long long max_pending_mb = 256;    // their bodies plus answers waiting for slow clients
  int actor_idle_seconds = 300;
  bool metrics = true;
  std::string metrics_bind;         // empty: the API's --bind
  int metrics_port = 0;             // 0: /metrics is served on the API's port
  std::string access_log = "text";  // off | text | json
  std::string log_level = "info";   // debug | info | warn | error
  bool webhooks = true;             // this process delivers webhooks (with the others)
  bool webhook_allow_private = false;
  std::string webhook_retry_schedule;  // empty: the Standard Webhooks schedule
  int webhook_timeout_ms = 10000;
  long long webhook_disable_after = 5;  // changes failed for good in a row
  int webhook_claim_seconds = 60;       // a dead process's changes are taken over after this

  /// The base of absolute URLs when no request is at hand (change feed).
  std::string default_base_url() const {
    return external_url.empty() ? "http://" + bind + ":" + std::to_string(port) : external_url;
  }
};

/// What the command line asked for.
struct Invocation {
  Settings settings;
  bool show_help = false;
  bool show_version = false;
};

/// Parses environment (name -> value) then flags; an error names the bad option.
Result<Invocation> parse_invocation(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& environment);

/// The text of --help: every option with its environment variable and default.
std::string help_text();

/// The process environment as a map.
std::map<std::string, std::string> process_environment();

}  // namespace incident
