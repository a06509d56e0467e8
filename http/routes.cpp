// The route table and its matcher. Routes are data: adding an endpoint is one
// row here and one handler.
#include "http/routes.hpp"

#include "config/log.hpp"
#include "domain/validation.hpp"
#include "http/catalog_handlers.hpp"
#include "http/docs_handlers.hpp"
#include "http/error_mapping.hpp"
#include "http/feed_handlers.hpp"
#include "http/incident_handlers.hpp"
#include "http/misc_handlers.hpp"
#include "http/webhook_handlers.hpp"

namespace incident {
namespace {

using namespace handlers;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (!segments.empty() && segments.back().empty() && segments.size() > 1) segments.pop_back();
  return segments;
}

/// True when `path` fits `pattern`; fills the id of a ":id" segment.
bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             RouteParams& params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ":id") {
      auto id = parse_id(path[i]);
      if (!id) return false;
      params.id = *id;
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

Error no_route(ErrorKind kind, const std::string& message) { return Error{kind, message, {}}; }

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"GET", "/api/incident", list_incidents},
      {"GET", "/api/incident/stream", stream_incidents},
      {"POST", "/api/incident/create", create_incident},
      {"GET", "/api/incident/:id", get_incident},
      {"POST", "/api/incident/:id/update", update_incident},
      {"POST", "/api/incident/:id/comment", comment_incident},
      {"POST", "/api/incident/:id/delete", delete_incident},
      {"GET", "/api/scope", list_scopes},
      {"POST", "/api/scope/create", create_scope},
      {"GET", "/api/scope/:id", get_scope},
      {"POST", "/api/scope/:id/update", update_scope},
      {"POST", "/api/scope/:id/delete", delete_scope},
      {"GET", "/api/service", list_services},
      {"POST", "/api/service/create", create_service},
      {"GET", "/api/service/:id", get_service},
      {"POST", "/api/service/:id/update", update_service},
      {"POST", "/api/service/:id/delete", delete_service},
      {"GET", "/api/webhook", list_webhooks},
      {"POST", "/api/webhook/create", create_webhook},
      {"GET", "/api/webhook/:id", get_webhook},
      {"POST", "/api/webhook/:id/update", update_webhook},
      {"POST", "/api/webhook/:id/delete", delete_webhook},
      {"POST", "/api/webhook/:id/rotate-secret", rotate_webhook_secret},
      {"GET", "/api/webhook/:id/deliveries", list_webhook_deliveries},
      {"POST", "/api/webhook/:id/replay", replay_webhook},
      {"POST", "/api/token/create", create_token},
      {"GET", "/api/token/whoami", whoami},
      {"GET", "/health", health, RouteKind::operational},
      {"GET", "/health/live", health_live, RouteKind::operational},
      {"GET", "/health/ready", health_ready, RouteKind::operational},
      {"GET", "/health/version", health_version, RouteKind::operational},
      {"GET", "/metrics", metrics_text, RouteKind::operational},
      {"GET", "/api", api_root, RouteKind::docs},
      {"GET", "/api/openapi.json", openapi_document, RouteKind::docs},
      {"GET", "/api/docs", docs_page, RouteKind::docs},
      {"GET", "/api/docs/swagger-ui.css", docs_stylesheet, RouteKind::docs},
      {"GET", "/api/docs/swagger-ui-bundle.js", docs_script, RouteKind::docs},
      {"GET", "/api/docs/favicon-32x32.png", docs_icon, RouteKind::docs},
  };
  return table;
}

std::vector<bool> served_routes(Listener listener, const Settings& settings) {
  std::vector<bool> served;
  const bool own_metrics_address = settings.metrics_port != 0;
  for (const auto& route : routes()) {
    bool is_metrics = std::string(route.pattern) == "/metrics";
    if (listener == Listener::metrics)
      served.push_back(route.kind == RouteKind::operational);
    else
      served.push_back(!(is_metrics && own_metrics_address));
  }
  return served;
}

RouteMatch match_route(const std::string& method, const std::string& path,
                       const std::vector<bool>& served) {
  static const auto split_routes = [] {
    std::vector<std::vector<std::string>> out;
    for (const auto& route : routes()) out.push_back(split_path(route.pattern));
    return out;
  }();
  auto segments = split_path(path);
  const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
  RouteMatch match;
  for (std::size_t i = 0; i < routes().size(); ++i) {
    RouteParams params;
    if (!served[i] || !matches(split_routes[i], segments, params)) continue;
    if (wanted == routes()[i].method) {
      match.index = i;
      match.params = params;
      match.allowed.clear();
      return match;
    }
    match.allowed += (match.allowed.empty() ? "" : ", ") + std::string(routes()[i].method);
  }
  return match;
}

void dispatch(const App& app, const ApiRequest& request, const RouteMatch& match,
              const Responder& responder) {
  // Handlers run on reactor threads and on the storage's reply thread: an
  // exception must become an answer there, never escape.
  try {
    if (match.index < routes().size())
      return routes()[match.index].handler(app, request, match.params, responder);
    if (!match.allowed.empty()) {
      auto response = error_response(no_route(ErrorKind::method_not_allowed, "Method not allowed"));
      response.headers.emplace_back("Allow", match.allowed);
      return responder.send(response);
    }
    responder.send(error_response(no_route(ErrorKind::not_found, "Not found")));
  } catch (const std::exception& e) {
    log_error("request " + responder.trace().id + ": unhandled exception: " + e.what());
    responder.send(
        json_response(500, {{"message", "Internal error"}, {"reasons", nlohmann::json::object()}}));
  }
}

}  // namespace incident
