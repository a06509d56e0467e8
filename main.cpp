// incident-api: reads its settings, starts (or connects to) Redis, spawns the
// actors, serves HTTP, and on SIGTERM/SIGINT drains and stops in order.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <thread>

#include "actors/catalog_actor.hpp"
#include "actors/feed_hub_actor.hpp"
#include "actors/messages.hpp"
#include "actors/notifier_actor.hpp"
#include "actors/registry_actor.hpp"
#include "actors/reply_runner_actor.hpp"
#include "actors/supervisor_actor.hpp"
#include "config/embedded_redis.hpp"
#include "config/line_writer.hpp"
#include "config/log.hpp"
#include "config/settings.hpp"
#include "http/request_observer.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "storage/feed_follower.hpp"
#include "storage/index_migration.hpp"
#include "storage/sentinel_client.hpp"
#include "storage/storage_actor.hpp"
#include "webhooks/dispatcher.hpp"
#include "webhooks/host_check.hpp"

namespace {

using namespace incident;

/// The exit status after a singleton actor ended unexpectedly (EX_SOFTWARE).
constexpr int kComponentFailed = 70;

int fail(const Error& error) {
  std::string text = error.message;
  for (const auto& [field, reasons] : error.reasons)
    for (const auto& reason : reasons) text += "\n  " + field + ": " + reason;
  log_error(text);
  return 2;
}

/// Refuses the well-known default secret unless development use is explicit.
bool secret_acceptable(const Settings& settings) {
  if (settings.secret_key != "changeit") return true;
  if (!settings.allow_default_secret) {
    log_error(
        "refusing the default secret 'changeit': set PM_SECRET_KEY (or --secret-key), "
        "or --allow-default-secret for local development");
    return false;
  }
  log_warning(
      "!!! USING THE DEFAULT SECRET 'changeit': anyone can mint tokens. "
      "Local development only. !!!");
  return true;
}

/// Blocks the stop signals in every thread (threads inherit the mask), so
/// only wait_for_stop_signal receives them.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return signals;
}

/// Sends every log line through `writer` while it lives; on the way out,
/// writes what is left (bounded) and goes back to writing directly.
class LogWriterScope {
 public:
  explicit LogWriterScope(std::shared_ptr<LineWriter> writer) : writer_(std::move(writer)) {
    install_log_writer(writer_);
  }
  ~LogWriterScope() {
    install_log_writer(nullptr);
    writer_->close();
  }
  LogWriterScope(const LogWriterScope&) = delete;
  LogWriterScope& operator=(const LogWriterScope&) = delete;

 private:
  std::shared_ptr<LineWriter> writer_;
};

/// Waits until every actor has finished, at most `limit`.
bool all_actors_done(caf::actor_system& system, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (system.registry().running() > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// Raises the soft descriptor limit to the hard one and keeps the connection
/// cap below it, with room for Redis, logs and the reactors' own descriptors.
void fit_descriptor_limit(Settings& settings) {
  constexpr rlim_t kReserved = 128;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? 1048576 : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  long budget = limit.rlim_cur > kReserved * 2 ? static_cast<long>(limit.rlim_cur - kReserved)
                                               : static_cast<long>(limit.rlim_cur / 2);
  if (settings.max_connections > budget) {
    log_info("at most " + std::to_string(budget) + " connections (descriptor limit " +
             std::to_string(limit.rlim_cur) + ")");
    settings.max_connections = budget;
  }
}

/// An id for this process's stream entries, distinct from every other
/// process's on the same Redis (random, not a pid: pids repeat across hosts).
std::string new_origin() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", random(), random());
  return text;
}

/// The metrics, with a row for each route of the table.
std::shared_ptr<metrics::Metrics> make_metrics() {
  std::vector<std::string> patterns;
  for (const auto& route : routes()) patterns.emplace_back(route.pattern);
  return std::make_shared<metrics::Metrics>(std::move(patterns), INCIDENT_API_VERSION);
}

/// Where Redis is: the sentinels' primary, the configured URI, or the
/// embedded Redis (started here, kept in `embedded`).
Result<std::shared_ptr<PrimaryLocator>> locate_redis(const Settings& settings,
                                                     std::unique_ptr<EmbeddedRedis>& embedded) {
  auto timeout = std::chrono::milliseconds(settings.redis_timeout_ms);
  if (!settings.redis_sentinels.empty()) {
    auto sentinels = parse_sentinel_list(settings.redis_sentinels);  // checked with the settings
    // A sentinel that does not answer quickly is skipped for the next.
    auto ask_bound = std::min(timeout, std::chrono::milliseconds(500));
    return std::shared_ptr<PrimaryLocator>(
        std::make_shared<SentinelLocator>(*sentinels, settings.redis_master_name, 0,
                                          std::make_unique<HiredisSentinelProbe>(ask_bound)));
  }
  if (!settings.redis_uri.empty()) {
    auto parsed = parse_redis_uri(settings.redis_uri);
    if (!parsed)
      return field_error(ErrorKind::invalid, "Invalid configuration", "PM_REDIS_URI",
                         "expected redis://host:port/db or unix:///path");
    return std::shared_ptr<PrimaryLocator>(std::make_shared<FixedLocator>(*parsed));
  }
  auto started = EmbeddedRedis::start(settings);
  if (!started) return started.error();
  embedded = std::move(*started);
  return std::shared_ptr<PrimaryLocator>(std::make_shared<FixedLocator>(embedded->endpoint()));
}

/// Serves until SIGTERM/SIGINT; `stop_redis` stops the embedded Redis (if any)
/// once nothing can write to it any more.
int serve(const Settings& settings, const std::shared_ptr<PrimaryLocator>& locator,
          const sigset_t& signals, const std::function<void()>& stop_redis,
          const std::shared_ptr<LineWriter>& log_lines) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", static_cast<std::size_t>(settings.actor_threads));
  // An idle worker polls briefly, then waits on its condition variable (woken
  // by the next message) instead of sleeping 50 us at a time: those sleeps
  // cost more context switches than the actors' work under load.
  config.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  caf::actor_system system{config};
  const std::string origin = new_origin();
  auto metrics = make_metrics();
  auto dataset = std::make_shared<DatasetGuard>(Keys(settings.key_prefix));
  StorageSettings storage_settings{settings.key_prefix,
                                   settings.default_base_url(),
                                   settings.stream_max_length,
                                   origin,
                                   dataset,
                                   settings.list_budget,
                                   std::chrono::seconds(settings.stream_retention_seconds),
                                   metrics,
                                   std::make_shared<PageRefCache>()};
  auto page_refs = storage_settings.page_refs;
  // Every connection checks which data set it reaches before it serves.
  // ... and that its indexes are in this version's form (index_migration.hpp).
  auto indexes = std::make_shared<IndexMigration>(Keys(settings.key_prefix));
  // A page read over an earlier connection is read again (its index may have
  // been migrated meanwhile, which changes no stream entry).
  ConnectCheck check_dataset = [dataset, indexes, page_refs](redisContext* context) {
    page_refs->clear();
    return dataset->check(context) && indexes->ensure_current(context);
  };
  const auto redis_timeout = std::chrono::milliseconds(settings.redis_timeout_ms);
  // Each component records into its part of the metrics, kept alive with the whole.
  auto part = [&metrics](auto metrics::Metrics::*member) {
    return std::shared_ptr<std::remove_reference_t<decltype((*metrics).*member)>>(
        metrics, &((*metrics).*member));
  };
  auto connection =
      std::make_shared<RedisPipeline>(locator, redis_timeout, check_dataset, ReplyExecutor{},
                                      ReplicaAck{}, part(&metrics::Metrics::redis_primary));
  // Replies that lead to rendering (lists, scopes and services, with rate
  // limiting whole handlers) are handed to the reply runner's thread.
  auto replies = spawn_reply_runner(system);
  auto answers = std::make_shared<RedisPipeline>(locator, redis_timeout, check_dataset,
                                                 run_replies_in(replies), ReplicaAck{},
                                                 part(&metrics::Metrics::redis_reads));
  // Writes that must reach replicas wait for them (WAIT) on a connection of
  // their own, so that loads and reads never queue behind the wait.
  std::shared_ptr<RedisPipeline> writes;
  if (settings.redis_replicas_ack > 0)
    writes = std::make_shared<RedisPipeline>(
        locator, redis_timeout, check_dataset, ReplyExecutor{},
        ReplicaAck{settings.redis_replicas_ack,
                   std::chrono::milliseconds(settings.redis_replicas_ack_timeout_ms),
                   Keys(settings.key_prefix).replication_marker()},
        part(&metrics::Metrics::redis_writes));
  auto notifier = spawn_notifier(system, connection);
  auto storage = spawn_storage(system, storage_settings, connection, notifier, std::move(answers),
                               std::move(writes));
  connection.reset();  // the actors own it now
  // Storage answers every command within the Redis timeout; twice that, and
  // never under 5 s, is a bound no healthy round trip reaches.
  auto redis_bound = std::chrono::milliseconds(settings.redis_timeout_ms);
  ActorLimits limits;
  limits.capacity = static_cast<std::size_t>(settings.actor_cache);
  limits.idle = std::chrono::seconds(settings.actor_idle_seconds);
  // A write may also wait for its replicas (WAIT), behind other writes' waits.
  if (settings.redis_replicas_ack > 0)
    redis_bound += std::chrono::milliseconds(settings.redis_replicas_ack_timeout_ms);
  limits.flight_bound =
      std::max<std::chrono::milliseconds>(std::chrono::seconds(5), 2 * redis_bound);
  limits.cache_bytes = settings.actor_cache_mb * 1024 * 1024;
  limits.metrics = metrics;
  auto ready = std::make_shared<ReadyIncidents>();
  limits.ready = ready;
  auto app = std::make_shared<App>(
      App{settings, TokenService(settings.secret_key, settings.jwt_issuer),
          spawn_registry(system, storage, limits), spawn_catalog(system, storage), storage,
          spawn_feed_hub(system, storage, std::chrono::seconds(settings.sse_heartbeat_seconds),
                         part(&metrics::Metrics::feed)),
          caf::actor{}, metrics, nullptr, std::make_shared<std::atomic<bool>>(false), nullptr,
          nullptr});
  app->ready = ready;
  app->render_cache = std::make_shared<RenderCache>(
      static_cast<std::size_t>(settings.render_cache_bytes), part(&metrics::Metrics::render_cache));
  app->host_check = std::make_shared<webhooks::HostCheck>();
  if (settings.webhooks) {
    webhooks::DispatcherOptions options;
    options.consumer = origin;
    if (!settings.webhook_retry_schedule.empty())
      options.schedule = *webhooks::parse_retry_schedule(settings.webhook_retry_schedule);
    options.timeout = std::chrono::milliseconds(settings.webhook_timeout_ms);
    options.allow_private = settings.webhook_allow_private;
    options.disable_after = settings.webhook_disable_after;
    options.claim_after = std::chrono::seconds(settings.webhook_claim_seconds);
    options.user_agent = std::string("incident-api-webhooks/") + INCIDENT_API_VERSION;
    app->webhooks = std::make_shared<webhooks::Dispatcher>(
        locator, Keys(settings.key_prefix), options, part(&metrics::Metrics::webhooks));
  }
  auto access_format = *parse_access_log_format(settings.access_log);  // checked with the settings
  app->observer = std::make_shared<RequestObserver>(settings.metrics ? metrics : nullptr,
                                                    access_format, log_lines);
  // A singleton that ends unexpectedly stops the process with a failure
  // status (its service manager restarts it) rather than leave it answering
  // 503 forever, or not at all.
  std::atomic<bool> failed{false};
  app->supervisor = spawn_supervisor(
      system,
      {{"storage", storage},
       {"notifier", notifier},
       {"registry", app->registry},
       {"catalog", app->catalog},
       {"feed hub", app->feed_hub},
       {"reply runner", replies}},
      [&failed](const std::string& name, const std::string& reason) {
        log_error("the " + name + " actor ended unexpectedly (" + reason + "); stopping");
        failed = true;
        ::kill(::getpid(), SIGTERM);
      },
      redis_bound + std::chrono::milliseconds(500));
  // A version number may come back with other contents after an emptied
  // Redis or a failover: what was rendered from the old data goes.
  // The table before the renderings: a GET keeps the rendering of what it
  // found in the table only if the renderings were not cleared since it
  // looked (get_incident in http/incident_handlers.cpp).
  auto forget_cached = [registry = app->registry, renderings = app->render_cache, ready,
                        page_refs] {
    ready->clear();
    page_refs->clear();
    renderings->clear();
    caf::anon_send(registry, forget_all_atom::value);
  };
  dataset->on_replaced(forget_cached);
  // After a failover, the new primary is the truth: a write the old one took
  // but never passed on may sit in a cached incident.
  std::unique_ptr<SentinelWatcher> watcher;
  auto sentinels = std::dynamic_pointer_cast<SentinelLocator>(locator);
  if (sentinels) {
    sentinels->on_change([forget_cached](const RedisEndpoint&) { forget_cached(); });
    watcher = std::make_unique<SentinelWatcher>(sentinels);
  }
  // Learn of every change committed (by other processes, and this one's own
  // whose answer may have been lost), so cached incidents do not stay stale.
  auto follower = std::make_unique<FeedFollower>(
      locator, Keys(settings.key_prefix), origin,
      [registry = app->registry, hub = app->feed_hub, renderings = app->render_cache,
       ready](std::vector<FeedEntry> entries) {
        caf::anon_send(hub, feed_atom::value);  // event-stream clients: the stream moved
        // Renderings are used only at the version a page holds: older ones
        // would only take room. One committed here is learnt here too. GETs
        // stop answering an older version before the actors hear of it.
        for (const auto& entry : entries) {
          if (entry.type.rfind("incident.", 0) != 0) continue;
          const std::int64_t committed = entry.type == "incident.deleted"
                                             ? std::numeric_limits<std::int64_t>::max()
                                             : entry.version;
          ready->note_committed(entry.id, committed);
          renderings->forget_before(entry.id, committed);
        }
        if (!entries.empty()) caf::anon_send(registry, feed_atom::value, std::move(entries));
      },
      part(&metrics::Metrics::feed));
  auto stop_actors = [&] {
    app->webhooks.reset();  // what it has not delivered stays in Redis
    app->host_check.reset();
    watcher.reset();
    if (sentinels) sentinels->on_change({});  // it holds the registry, whose system ends first
    follower.reset();
    caf::anon_send(app->supervisor, stop_atom::value);
    for (const auto& actor :
         {app->feed_hub, app->registry, app->catalog, storage, notifier, replies, app->supervisor})
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  };
  HttpServer server(app);
  std::unique_ptr<HttpServer> metrics_server;
  if (settings.metrics_port != 0)
    metrics_server = std::make_unique<HttpServer>(app, Listener::metrics);
  try {
    server.start();
    if (metrics_server) metrics_server->start();
  } catch (const std::exception& e) {
    log_error(std::string("cannot listen on ") + settings.bind + ":" +
              std::to_string(settings.port) +
              (metrics_server ? " or the metrics port " + std::to_string(settings.metrics_port)
                              : std::string()) +
              ": " + e.what());
    server.stop();
    metrics_server.reset();
    stop_actors();
    return 1;
  }
  log_info("listening on http://" + settings.bind + ":" + std::to_string(settings.port));
  if (metrics_server)
    log_info("metrics on http://" +
             (settings.metrics_bind.empty() ? settings.bind : settings.metrics_bind) + ":" +
             std::to_string(settings.metrics_port) + "/metrics");
  int received = 0;
  sigwait(&signals, &received);
  if (!failed)
    log_info(std::string("received ") + (received == SIGTERM ? "SIGTERM" : "SIGINT") +
             ", stopping");
  // Drain, actors and Redis together stay within the 5 s a stop is promised.
  server.drain(std::chrono::seconds(2));
  server.stop();  // every connection is closed: no actor can write to one now
  if (metrics_server) metrics_server->stop();
  stop_actors();
  if (!all_actors_done(system, std::chrono::seconds(1))) {
    // Every request is answered and every commit acknowledged by Redis; what
    // is left is cached incident actors winding down (a hundred thousand take
    // seconds). The stop does not wait for them: Redis stops cleanly, then
    // the process exits without tearing the actor system down.
    log_info(std::to_string(system.registry().running()) +
             " cached actors still stopping; exiting without waiting for them");
    stop_redis();
    install_log_writer(nullptr);
    log_lines->close();  // what was logged is written (or given up on within a second)
    log_info("stopped");
    std::fflush(nullptr);
    std::_Exit(failed ? kComponentFailed : 0);
  }
  return failed ? kComponentFailed : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto invocation = parse_invocation({argv + 1, argv + argc}, process_environment());
  if (!invocation) return fail(invocation.error());
  if (invocation->show_help) return std::cout << help_text(), 0;
  if (invocation->show_version)
    return std::cout << "incident-api " << INCIDENT_API_VERSION << "\n", 0;
  Settings& settings = invocation->settings;
  configure_log(*parse_log_level(settings.log_level),  // both checked with the settings
                settings.access_log == "json" ? LogFormat::json : LogFormat::text);
  sigset_t signals = block_stop_signals();  // before any thread starts
  // From here on only the log's own thread writes stderr: a reader that stops
  // reading costs dropped lines, never a blocked request or Redis thread.
  auto log_lines = std::make_shared<LineWriter>(STDERR_FILENO);
  LogWriterScope log_scope(log_lines);
  if (!secret_acceptable(settings)) return 2;
  fit_descriptor_limit(settings);
  std::unique_ptr<EmbeddedRedis> embedded;
  auto locator = locate_redis(settings, embedded);
  if (!locator) return fail(locator.error());
  log_info("redis: " + (*locator)->describe());
  int status = serve(
      settings, *locator, signals, [&] { embedded.reset(); }, log_lines);
  embedded.reset();
  log_info("stopped");
  return status;
}
