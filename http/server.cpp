// Pistache glue at the TCP level: each reactor thread owns a clone of the
// handler and, per descriptor, a parser and the connection's answer queue.
#include "http/server.hpp"

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <sys/socket.h>

#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "config/thread_name.hpp"
#include "domain/utf8.hpp"
#include "http/admission.hpp"
#include "http/body_parser.hpp"
#include "http/connection.hpp"
#include "http/connection_monitor.hpp"
#include "http/error_mapping.hpp"
#include "http/misc_handlers.hpp"
#include "http/rate_limit.hpp"
#include "http/reactor_guard.hpp"
#include "http/request_id.hpp"
#include "http/request_observer.hpp"
#include "http/request_parser.hpp"
#include "http/responder.hpp"
#include "http/response_bytes.hpp"
#include "http/routes.hpp"

namespace incident {
namespace {

using namespace Pistache;

// A client may pipeline; beyond this many unanswered requests it is cut off.
constexpr std::uint64_t kMaxUnanswered = 1024;
// A client that pipelines requests but does not read the answers gets a 503
// for each request that arrives while this much waits for it: the answers to
// one client never hold the memory the others need.
constexpr std::size_t kMaxConnectionBacklog = 4 * 1024 * 1024;

/// The answer to a request refused at the door, with the bound that refused it.
ApiResponse busy_response(const char* why) { return error_response(server_busy(why)); }

/// Repeated headers are one comma-separated value (RFC 9110, 5.3).
std::map<std::string, std::string> header_map(
    std::vector<std::pair<std::string, std::string>> list) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : list) {
    auto [it, inserted] = out.emplace(std::move(name), value);
    if (!inserted) it->second += ", " + value;
  }
  return out;
}

ApiResponse failure_response(const ParseFailure& failure) {
  return json_response(failure.status, {{"message", failure.message},
                                        {"reasons", {{failure.field, {failure.message}}}}});
}

/// The name of the first query parameter that is not valid UTF-8 once decoded.
std::optional<std::string> invalid_query_parameter(const FieldMap& query) {
  for (const auto& [name, values] : query) {
    if (!is_valid_utf8(name)) return std::string("query");
    for (const auto& value : values)
      if (!is_valid_utf8(value.text)) return name;
  }
  return std::nullopt;
}

struct ServerState {
  std::shared_ptr<const App> app;
  std::shared_ptr<Admission> admission;
  std::shared_ptr<std::atomic<bool>> draining;
  std::shared_ptr<ConnectionMonitor> monitor;
  RequestLimits limits;
  long max_connections = 0;
  std::shared_ptr<std::atomic<long>> open_connections;
  std::vector<bool> served;  // the routes this listener serves
};

/// A request refused before it was read whole (malformed, too large).
RequestTrace unreadable_request_trace(const std::string& client) {
  RequestTrace trace;
  trace.started = std::chrono::steady_clock::now();
  trace.id = new_request_id();
  trace.client = client;
  trace.method = "-";
  trace.path = "-";
  return trace;
}

class ApiTcpHandler : public Tcp::Handler {
 public:
  explicit ApiTcpHandler(std::shared_ptr<const ServerState> state) : state_(std::move(state)) {}

  std::shared_ptr<Tcp::Handler> clone() const override {
    return std::make_shared<ApiTcpHandler>(state_);
  }

  // Pistache calls these three on its reactor threads, which catch nothing:
  // each runs guarded, and a throw ends only the connection concerned.
  void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    static thread_local bool named = false;
    if (!named) name_this_thread("http.reactor");
    named = true;
    run_guarded(
        "accepting a connection", [&] { accept(peer); }, [&] { drop(*peer); });
  }

  void onDisconnection(const std::shared_ptr<Tcp::Peer>& peer) override {
    // Whatever failed, nothing of this descriptor may pass to the next
    // connection that is given its number.
    run_guarded(
        "closing a connection", [&] { forget(*peer); },
        [&] {
          refused_.erase(peer->fd());
          auto it = clients_.find(peer->fd());
          if (it == clients_.end()) return;
          Client gone = std::move(it->second);
          clients_.erase(it);
          gone.connection->on_disconnected();  // never writes to the number again
        });
  }

  void onInput(const char* buffer, size_t length, const std::shared_ptr<Tcp::Peer>& peer) override {
    run_guarded(
        "serving input", [&] { read_input(std::string_view(buffer, length), *peer); },
        [&] { drop(*peer); });
  }

 private:
  struct Client {
    RequestParser parser;
    std::shared_ptr<Connection> connection;
    std::string address;   // the peer's IP, for rate limiting by address
    bool closing = false;  // a request without keep-alive was read: read nothing more
  };

  /// The reactor sees the shutdown and disconnects the peer, which forgets it.
  static void drop(const Tcp::Peer& peer) { ::shutdown(peer.fd(), SHUT_RDWR); }

  void accept(const std::shared_ptr<Tcp::Peer>& peer) {
    // Past the cap a connection is refused at once, well before the process
    // runs out of descriptors (where accepting would fail in a busy loop).
    metrics::Metrics& metrics = *state_->app->metrics;
    metrics.connections.open.add(1);
    if (++*state_->open_connections > state_->max_connections) {
      metrics.connections.refused.add();
      const std::string refusal =  // built each time: its Date must be now
          response_bytes(error_response(Error{
                             ErrorKind::unavailable,
                             "Too many connections",
                             {{"connections", {"The server is at its connection limit; retry."}}}}),
                         false, false, {{"X-Request-Id", new_request_id()}});
      [[maybe_unused]] auto sent =
          ::send(peer->fd(), refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::shutdown(peer->fd(), SHUT_RDWR);
      refused_.insert(peer->fd());
      return;
    }
    metrics.connections.accepted.add();
    client(*peer);
  }

  void forget(const Tcp::Peer& peer) {
    --*state_->open_connections;
    state_->app->metrics->connections.open.add(-1);
    refused_.erase(peer.fd());
    auto it = clients_.find(peer.fd());
    if (it == clients_.end()) return;
    it->second.connection->on_disconnected();
    clients_.erase(it);
  }

  void read_input(std::string_view input, const Tcp::Peer& peer) {
    if (refused_.count(peer.fd()) > 0) return;
    Client& current = client(peer);
    Connection& connection = *current.connection;
    // Closing (a refusal, or a request that asked to close and whose answer
    // may still be on its way): nothing after it is processed (RFC 9112, 9.6).
    if (current.closing || !connection.accepting()) return;
    current.parser.feed(input);
    bool completed = false;
    for (;;) {
      auto step = current.parser.next();
      if (step == RequestParser::Step::need_more) break;
      if (step == RequestParser::Step::send_continue) {
        connection.write_interim("HTTP/1.1 100 Continue\r\n\r\n");
        continue;
      }
      if (step == RequestParser::Step::failed) {
        refuse_unreadable(connection, current.parser.failure(), current.address);
        break;
      }
      ParsedRequest request = current.parser.take();
      completed = true;
      bool keep_alive = request.keep_alive;
      serve(current.connection, std::move(request), current.address);
      if (!keep_alive) {
        current.closing = true;
        break;
      }
      if (connection.unanswered() > kMaxUnanswered) {
        connection.abort();
        break;
      }
    }
    // Blank lines before a request are tolerated but are not activity:
    // otherwise a client sending only line breaks would never time out.
    if (completed || current.parser.mid_request())
      connection.note_input(current.parser.mid_request());
  }

  void refuse_unreadable(Connection& connection, const ParseFailure& failure,
                         const std::string& address) {
    RequestTrace trace = unreadable_request_trace(address);
    ApiResponse response = failure_response(failure);
    std::string bytes = response_bytes(response, false, false, {{"X-Request-Id", trace.id}});
    std::size_t size = bytes.size();
    connection.fill(connection.open_slot(), std::move(bytes), true);
    if (state_->app->observer) state_->app->observer->finished(trace, response.status, size);
  }

  Client& client(const Tcp::Peer& peer) {
    int fd = peer.fd();
    auto it = clients_.find(fd);
    if (it != clients_.end()) return it->second;
    std::string address = peer.address().host();
    auto observer = state_->app->observer;
    auto timed_out = [observer, address](const std::string& id, std::size_t bytes) {
      if (!observer) return;
      RequestTrace trace = unreadable_request_trace(address);
      trace.id = id;
      // The request began before the timeout: its duration is unknown here.
      observer->finished(trace, 408, bytes);
    };
    Client fresh{RequestParser(state_->limits),
                 std::make_shared<Connection>(fd, *state_->monitor, state_->admission, timed_out),
                 address, false};
    state_->monitor->track(fresh.connection);
    return clients_.emplace(fd, std::move(fresh)).first->second;
  }

  void serve(const std::shared_ptr<Connection>& connection, ParsedRequest parsed,
             const std::string& peer_address) {
    const App& app = *state_->app;
    Responder::Framing framing{parsed.keep_alive, parsed.method == "HEAD", parsed.http10};
    auto body_bytes = static_cast<std::int64_t>(parsed.body.size());
    ApiRequest request;
    request.method = std::move(parsed.method);
    request.path = std::move(parsed.path);
    request.query = parse_urlencoded(parsed.query);
    request.headers = header_map(std::move(parsed.headers));
    request.body = std::move(parsed.body);
    request.peer_address = peer_address;
    RouteMatch match = match_route(request.method, request.path, state_->served);
    RequestTrace trace;
    trace.started = std::chrono::steady_clock::now();
    trace.id = request_id_for(request.header("x-request-id"));
    trace.client = peer_address;
    trace.method = request.method;
    trace.path = request.path;
    trace.route = match.index;
    if (match.index < routes().size()) trace.route_pattern = routes()[match.index].pattern;
    Responder responder(connection, connection->open_slot(), framing, state_->admission, body_bytes,
                        std::move(trace), app.observer);
    // Health and metrics answer while draining (readiness says so); liveness
    // and metrics also past the work-in-progress bound, which the others
    // (asking every component and Redis) respect like any request.
    const Route* route = match.index < routes().size() ? &routes()[match.index] : nullptr;
    bool operational = route && route->kind == RouteKind::operational;
    bool always = operational && (route->handler == handlers::health_live ||
                                  route->handler == handlers::metrics_text);
    if (*state_->draining && !operational)
      return responder.send(error_response(Error{ErrorKind::unavailable, "Shutting down", {}}));
    if (state_->admission->over_budget() && !always)
      return responder.send(
          busy_response("The server is at its bound of work in progress; retry shortly."));
    if (connection->backlog_bytes() > kMaxConnectionBacklog)
      return responder.send(
          busy_response("Earlier answers on this connection are still unread; read them first."));
    if (auto name = invalid_query_parameter(request.query))
      return responder.send(error_response(
          Error{ErrorKind::invalid, "Invalid query", {{*name, {"Not valid UTF-8."}}}}));
    dispatch_counted(app, std::move(request), std::move(match), responder);
  }

  std::shared_ptr<const ServerState> state_;
  std::unordered_map<int, Client> clients_;  // this reactor thread's connections
  std::unordered_set<int> refused_;          // over the cap, closing
};

}  // namespace

HttpServer::HttpServer(std::shared_ptr<const App> app, Listener listener)
    : app_(std::move(app)),
      listener_role_(listener),
      admission_(std::make_shared<Admission>(AdmissionLimits{
          app_->settings.max_pending_requests, app_->settings.max_pending_mb * 1024 * 1024})),
      draining_(app_->draining) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  const Settings& settings = app_->settings;
  ConnectionTimeouts timeouts;
  timeouts.request_ms = settings.request_timeout_seconds * 1000LL;
  timeouts.idle_ms = settings.idle_timeout_seconds * 1000LL;
  monitor_ = std::make_shared<ConnectionMonitor>(timeouts);
  auto state = std::make_shared<ServerState>();
  state->app = app_;
  state->admission = admission_;
  state->draining = draining_;
  state->monitor = monitor_;
  state->limits.max_body = settings.max_body_bytes;
  state->max_connections = settings.max_connections;
  state->open_connections = std::make_shared<std::atomic<long>>(0);
  state->served = served_routes(listener_role_, settings);

  const bool api = listener_role_ == Listener::api;
  const std::string& bind =
      api || settings.metrics_bind.empty() ? settings.bind : settings.metrics_bind;
  Address address(bind, Port(static_cast<uint16_t>(api ? settings.port : settings.metrics_port)));
  listener_ = std::make_unique<Tcp::Listener>(address);
  // Scrapes are few: one reactor thread serves them.
  listener_->init(api ? static_cast<size_t>(settings.threads) : 1,
                  Flags<Tcp::Options>(Tcp::Options::ReuseAddr) | Tcp::Options::NoDelay);
  listener_->setHandler(std::make_shared<ApiTcpHandler>(state));
  listener_->bind();
  listener_->runThreaded();
}

void HttpServer::drain(std::chrono::milliseconds limit) {
  *draining_ = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (admission_->requests() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void HttpServer::stop() {
  if (monitor_) monitor_->disconnect_all();
  if (listener_) listener_->shutdown();
  listener_.reset();
  monitor_.reset();
}

}  // namespace incident
