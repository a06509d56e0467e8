// The option table: each option is one row (flag, environment variable, help,
// how to store it), shared by the environment parser, the flag parser and --help.
#include "config/settings.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "storage/sentinel_discovery.hpp"
#include "webhooks/retry_schedule.hpp"

extern char** environ;

namespace incident {
namespace {

using Setter = std::function<bool(Settings&, const std::string&)>;

struct Option {
  const char* flag;
  const char* env;
  const char* help;
  Setter set;
  bool is_switch = false;
};

bool to_int(const std::string& text, long long min, long long max, long long& out) {
  if (text.empty() || text.size() > 12) return false;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return false;
  out = value;
  return true;
}

bool to_bool(const std::string& text, bool& out) {
  if (text == "1" || text == "true" || text == "yes" || text == "on") return out = true, true;
  if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty())
    return out = false, true;
  return false;
}

template <class T>
Setter integer(T Settings::*member, long long min, long long max) {
  return [=](Settings& s, const std::string& v) {
    long long value;
    if (!to_int(v, min, max, value)) return false;
    s.*member = static_cast<T>(value);
    return true;
  };
}

/// A duration: digits and a unit, s, m, h or d ("7d"); bare digits are seconds.
Setter duration_seconds(long long Settings::*member, long long max_seconds) {
  return [=](Settings& s, const std::string& v) {
    if (v.empty()) return false;
    long long unit = 1;
    std::string digits = v;
    switch (v.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        unit = 0;
    }
    if (unit) digits.pop_back();
    long long value;
    if (!to_int(digits, 0, max_seconds / (unit ? unit : 1), value)) return false;
    s.*member = value * (unit ? unit : 1);
    return true;
  };
}

Setter text(std::string Settings::*member, bool allow_empty = false) {
  return [=](Settings& s, const std::string& v) {
    if (v.empty() && !allow_empty) return false;
    s.*member = v;
    return true;
  };
}

/// One of `allowed`.
Setter choice(std::string Settings::*member, std::vector<std::string> allowed) {
  return [=](Settings& s, const std::string& v) {
    for (const auto& option : allowed)
      if (v == option) return s.*member = v, true;
    return false;
  };
}

Setter boolean(bool Settings::*member) {
  return [=](Settings& s, const std::string& v) { return to_bool(v, s.*member); };
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"--bind", "PM_BIND", "address to listen on (default 127.0.0.1)", text(&Settings::bind)},
      {"--port", "PM_PORT", "port to listen on (default 8080)", integer(&Settings::port, 1, 65535)},
      {"--threads", "PM_THREADS", "HTTP worker threads (default: half the cores, at least 1)",
       integer(&Settings::threads, 1, 256)},
      {"--actor-threads", "PM_ACTOR_THREADS", "threads running the actors (default 1)",
       integer(&Settings::actor_threads, 1, 256)},
      {"--data-dir", "PM_DATA_DIR", "directory of the embedded Redis (default ./data)",
       text(&Settings::data_dir)},
      {"--redis-uri", "PM_REDIS_URI",
       "use this Redis instead of an embedded one: redis://host:port/db or unix:///path?db=N",
       text(&Settings::redis_uri, true)},
      {"--redis-sentinels", "PM_REDIS_SENTINELS",
       "find the Redis primary through these sentinels, host:port[,host:port...], and "
       "follow its failovers (instead of --redis-uri)",
       text(&Settings::redis_sentinels, true)},
      {"--redis-master-name", "PM_REDIS_MASTER_NAME",
       "the name the sentinels monitor the primary under (default mymaster)",
       text(&Settings::redis_master_name)},
      {"--redis-replicas-ack", "PM_REDIS_REPLICAS_ACK",
       "answer a write only once this many replicas confirm they hold it (WAIT); when they "
       "do not in time, the answer is 503 (default 0: once the primary has it)",
       integer(&Settings::redis_replicas_ack, 0, 100)},
      {"--redis-replicas-ack-timeout-ms", "PM_REDIS_REPLICAS_ACK_TIMEOUT_MS",
       "how long a write waits for --redis-replicas-ack replicas (default 1000)",
       integer(&Settings::redis_replicas_ack_timeout_ms, 1, 60000)},
      {"--redis-server", "PM_REDIS_SERVER", "redis-server executable (default redis-server)",
       text(&Settings::redis_server)},
      {"--fsync", "PM_FSYNC",
       "durability of the embedded Redis: always (every write on disk before it is "
       "acknowledged, slower), everysec (default: at most ~1 s lost on a crash), no",
       [](Settings& s, const std::string& v) {
         if (v != "always" && v != "everysec" && v != "no") return false;
         s.fsync = v;
         return true;
       }},
      {"--redis-prefix", "PM_REDIS_PREFIX", "prefix of every Redis key and channel (default pm)",
       text(&Settings::key_prefix)},
      {"--redis-timeout-ms", "PM_REDIS_TIMEOUT_MS",
       "bound on connecting to and waiting for Redis (default 1000)",
       integer(&Settings::redis_timeout_ms, 10, 60000)},
      {"--stream-maxlen", "PM_STREAM_MAXLEN",
       "approximate cap of the change stream <prefix>:incidents:stream, in entries "
       "(default 200000: about 236 MiB of Redis at 1.2 KB an entry)",
       integer(&Settings::stream_max_length, 1000, 100000000000LL)},
      {"--stream-retention", "PM_STREAM_RETENTION",
       "entries of the change stream older than this are trimmed (7d, 12h, 30m, 90s; 0 keeps "
       "them until --stream-maxlen), except what webhook delivery has not done yet "
       "(default 7d)",
       duration_seconds(&Settings::stream_retention_seconds, 3650LL * 86400)},
      {"--list-budget", "PM_LIST_BUDGET",
       "most index entries one list may examine; a costlier list is a 400 saying why "
       "(default 20000)",
       integer(&Settings::list_budget, 100, 100000000)},
      {"--actor-cache", "PM_ACTOR_CACHE",
       "most incident actors (cached incidents) kept in memory (default 50000)",
       integer(&Settings::actor_cache, 1, 100000000)},
      {"--actor-cache-mb", "PM_ACTOR_CACHE_MB",
       "most memory (MiB, estimated) cached incidents may hold; the least recently used "
       "are dropped past it (default 512)",
       integer(&Settings::actor_cache_mb, 1, 1048576)},
      {"--render-cache-bytes", "PM_RENDER_CACHE_BYTES",
       "most bytes (estimated) of incident renderings kept for list pages and GETs read "
       "again and again, least recently used out first; 0 keeps none (default 134217728, "
       "128 MiB)",
       integer(&Settings::render_cache_bytes, 0, 1LL << 40)},
      {"--actor-idle-seconds", "PM_ACTOR_IDLE_SECONDS",
       "seconds after which an unused incident actor is retired (default 300)",
       integer(&Settings::actor_idle_seconds, 1, 86400)},
      {"--sse-heartbeat-seconds", "PM_SSE_HEARTBEAT_SECONDS",
       "seconds between heartbeats on GET /api/incident/stream (default 15)",
       integer(&Settings::sse_heartbeat_seconds, 1, 3600)},
      {"--secret-key", "PM_SECRET_KEY", "application secret signing tokens (required)",
       text(&Settings::secret_key)},
      {"--allow-default-secret", "PM_ALLOW_DEFAULT_SECRET",
       "accept the default secret 'changeit' (local development only)",
       boolean(&Settings::allow_default_secret), true},
      {"--jwt-issuer", "PM_JWT_ISSUER", "issuer of tokens (default ProdManager)",
       text(&Settings::jwt_issuer)},
      {"--external-url", "PM_EXTERNAL_URL",
       "base of absolute URLs, e.g. https://api.example.org (default: from Host)",
       text(&Settings::external_url, true)},
      {"--max-body-bytes", "PM_MAX_BODY_BYTES", "largest accepted request body (default 1048576)",
       integer(&Settings::max_body_bytes, 1024, 64LL * 1024 * 1024)},
      {"--api-ratelimit-enabled", "PM_API_RATELIMIT_ENABLED",
       "count requests per client in Redis; 429 past the limit (default off)",
       boolean(&Settings::ratelimit_enabled), true},
      {"--api-ratelimit-default", "PM_API_RATELIMIT_DEFAULT",
       "requests per period for an anonymous client, by address (default 1000)",
       integer(&Settings::ratelimit_default, 1, 1000000000000LL)},
      {"--api-ratelimit-logged", "PM_API_RATELIMIT_LOGGED",
       "requests per period for a token, by its jti (default 10000)",
       integer(&Settings::ratelimit_logged, 1, 1000000000000LL)},
      {"--api-ratelimit-period-hours", "PM_API_RATELIMIT_PERIOD_HOURS",
       "length of the fixed rate-limit window (default 1)",
       integer(&Settings::ratelimit_period_hours, 1, 8760)},
      {"--max-connections", "PM_MAX_CONNECTIONS",
       "most client connections at once; more are refused with 503 (default 10000)",
       integer(&Settings::max_connections, 1, 1000000)},
      {"--max-pending-requests", "PM_MAX_PENDING_REQUESTS",
       "most requests in progress at once; more are answered 503 with Retry-After "
       "(default 4096)",
       integer(&Settings::max_pending_requests, 1, 10000000)},
      {"--max-pending-mb", "PM_MAX_PENDING_MB",
       "most memory (MiB) the bodies of requests in progress and the answers waiting for slow "
       "clients may hold; past it requests are answered 503, and so much event-stream backlog "
       "cuts the streams that are behind (default 256)",
       integer(&Settings::max_pending_mb, 1, 1048576)},
      {"--request-timeout-seconds", "PM_REQUEST_TIMEOUT_SECONDS",
       "seconds a client has to send a whole request once begun, else 408 (default 30)",
       integer(&Settings::request_timeout_seconds, 1, 3600)},
      {"--idle-timeout-seconds", "PM_IDLE_TIMEOUT_SECONDS",
       "seconds an idle keep-alive connection is kept open (default 120)",
       integer(&Settings::idle_timeout_seconds, 1, 86400)},
      {"--metrics", "PM_METRICS",
       "serve Prometheus metrics at GET /metrics and count requests for them (default on; "
       "--metrics=off turns them off)",
       boolean(&Settings::metrics), true},
      {"--metrics-bind", "PM_METRICS_BIND",
       "address of the metrics listener when --metrics-port is set (default: --bind)",
       text(&Settings::metrics_bind, true)},
      {"--metrics-port", "PM_METRICS_PORT",
       "serve /metrics (and /health/*) on this port of their own instead of the API's "
       "(default 0: on the API's port)",
       integer(&Settings::metrics_port, 0, 65535)},
      {"--access-log", "PM_ACCESS_LOG",
       "one line per request on stderr: off, text or json (json makes every log line JSON; "
       "default text)",
       choice(&Settings::access_log, {"off", "text", "json"})},
      {"--log-level", "PM_LOG_LEVEL", "debug, info, warn or error (default info)",
       choice(&Settings::log_level, {"debug", "info", "warn", "error"})},
      {"--webhooks", "PM_WEBHOOKS",
       "deliver webhooks from this process, sharing the work with every other process on "
       "the same Redis (default on; --webhooks=off leaves it to the others)",
       boolean(&Settings::webhooks), true},
      {"--webhook-allow-private", "PM_WEBHOOK_ALLOW_PRIVATE",
       "allow webhook URLs on loopback, private, link-local and metadata addresses (default "
       "off: refused, as a client could otherwise reach the server's own network)",
       boolean(&Settings::webhook_allow_private), true},
      {"--webhook-retry-schedule", "PM_WEBHOOK_RETRY_SCHEDULE",
       "waits between a failed delivery's attempts, e.g. 1s,2s,5s (ms, s, m, h, d); past the "
       "last, attempts go on at that interval until 24 h after the first (default "
       "5s,5m,30m,2h,5h,10h,10h)",
       [](Settings& s, const std::string& v) {
         if (!webhooks::parse_retry_schedule(v)) return false;
         s.webhook_retry_schedule = v;
         return true;
       }},
      {"--webhook-timeout-ms", "PM_WEBHOOK_TIMEOUT_MS",
       "time an endpoint has to answer a delivery, connecting included (default 10000)",
       integer(&Settings::webhook_timeout_ms, 100, 60000)},
      {"--webhook-disable-after", "PM_WEBHOOK_DISABLE_AFTER",
       "disable an endpoint once this many changes in a row failed for good, after 24 h of "
       "retries each (default 5)",
       integer(&Settings::webhook_disable_after, 1, 1000000)},
      {"--webhook-claim-seconds", "PM_WEBHOOK_CLAIM_SECONDS",
       "seconds after which changes another process took and then went silent on (it died) "
       "are delivered by this one (default 60; longer than --webhook-timeout-ms)",
       integer(&Settings::webhook_claim_seconds, 2, 86400)},
  };
  return table;
}

Error bad_option(const std::string& name, const std::string& why) {
  return field_error(ErrorKind::invalid, "Invalid configuration", name, why);
}

const Option* find_flag(const std::string& flag) {
  for (const auto& option : options())
    if (flag == option.flag) return &option;
  return nullptr;
}

/// The CPUs this process may use: its affinity mask, lowered by a cgroup (v2)
/// CPU quota, as a container on a larger host sets.
int available_cpus() {
  int cpus = static_cast<int>(std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
  std::ifstream limit("/sys/fs/cgroup/cpu.max");  // "<quota> <period>" or "max <period>"
  std::string quota;
  long long period = 0;
  if (limit >> quota >> period && quota != "max" && period > 0) {
    char* end = nullptr;
    long long microseconds = std::strtoll(quota.c_str(), &end, 10);
    if (end != quota.c_str() && *end == '\0' && microseconds > 0)
      cpus = std::min<long long>(cpus, (microseconds + period - 1) / period);
  }
  return std::max(1, cpus);
}

}  // namespace

int default_http_threads() { return std::max(1, available_cpus() / 2); }

Result<Invocation> parse_invocation(const std::vector<std::string>& args,
                                    const std::map<std::string, std::string>& environment) {
  Invocation invocation;
  for (const auto& option : options()) {
    auto it = environment.find(option.env);
    if (it != environment.end() && !option.set(invocation.settings, it->second))
      return bad_option(option.env, "invalid value '" + it->second + "'");
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i], value;
    if (arg == "--help" || arg == "-h") invocation.show_help = true;
    if (arg == "--version") invocation.show_version = true;
    if (invocation.show_help || invocation.show_version) continue;
    auto eq = arg.find('=');
    if (eq != std::string::npos) value = arg.substr(eq + 1), arg = arg.substr(0, eq);
    const Option* option = find_flag(arg);
    if (!option) return bad_option(arg, "unknown option (see --help)");
    if (eq == std::string::npos && option->is_switch)
      value = "1";
    else if (eq == std::string::npos) {
      if (++i >= args.size()) return bad_option(arg, "missing value");
      value = args[i];
    }
    if (!option->set(invocation.settings, value))
      return bad_option(arg, "invalid value '" + value + "'");
  }
  // A budget smaller than one body would refuse every request that large.
  const Settings& settings = invocation.settings;
  if (settings.max_pending_mb * 1024 * 1024 < static_cast<long long>(settings.max_body_bytes))
    return bad_option("--max-pending-mb", "must hold at least one body of --max-body-bytes");
  // A change is retried for 24 h after its first attempt, read back from the
  // stream each time: a shorter retention would fail its retries.
  if (settings.webhooks && settings.stream_retention_seconds != 0 &&
      settings.stream_retention_seconds < 25 * 3600)
    return bad_option("--stream-retention",
                      "must be at least 25h (or 0) while webhooks are on: changes are retried "
                      "for 24 h from the stream");
  if (settings.metrics_port != 0 && !settings.metrics)
    return bad_option("--metrics-port", "metrics are off (--metrics=off)");
  if (settings.metrics_port == settings.port &&
      (settings.metrics_bind.empty() || settings.metrics_bind == settings.bind))
    return bad_option("--metrics-port", "is the API's own port: leave it 0 to serve both there");
  if (!settings.redis_sentinels.empty() && !settings.redis_uri.empty())
    return bad_option("--redis-sentinels",
                      "give either --redis-sentinels or --redis-uri, not both");
  if (!settings.redis_sentinels.empty() && !parse_sentinel_list(settings.redis_sentinels))
    return bad_option("--redis-sentinels", "expected host:port[,host:port...]");
  if (settings.redis_replicas_ack > 0 && settings.redis_sentinels.empty() &&
      settings.redis_uri.empty())
    return bad_option("--redis-replicas-ack",
                      "the embedded Redis has no replicas: use --redis-sentinels or --redis-uri");
  return invocation;
}

std::string help_text() {
  std::ostringstream out;
  out << "Usage: incident-api [options]\n\n"
         "An incident-management REST server (ProdManager-compatible API).\n"
         "Each option can also be set by the environment variable shown; flags win.\n\n";
  for (const auto& option : options()) {
    out << "  " << option.flag << (option.is_switch ? "" : " VALUE");
    out << "\n      [" << option.env << "] " << option.help << "\n";
  }
  out << "  --help      show this text\n  --version   show the version\n";
  return out.str();
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string line = *entry;
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

}  // namespace incident
