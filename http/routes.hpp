// The route table: every endpoint in one place, matched by method and path.
// ":id" segments match positive decimal ids only (anything else is a 404).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/incident.hpp"
#include "http/api_request.hpp"
#include "http/app.hpp"
#include "http/responder.hpp"

namespace incident {

struct RouteParams {
  Id id = 0;
};

using Handler = void (*)(const App&, const ApiRequest&, const RouteParams&, const Responder&);

/// api: the API itself; operational: health and metrics (also on the metrics
/// address, answered while draining); docs: the API's description.
enum class RouteKind { api, operational, docs };

struct Route {
  const char* method;
  const char* pattern;  // e.g. "/api/incident/:id/update"
  Handler handler;
  RouteKind kind = RouteKind::api;
};

const std::vector<Route>& routes();

/// Which routes a listener serves: the API's own address serves every route
/// (but /metrics when metrics have an address of their own), the metrics
/// address only the operational ones.
enum class Listener { api, metrics };
std::vector<bool> served_routes(Listener listener, const Settings& settings);

/// The route a request is for. `index` is SIZE_MAX when none matched; then
/// `allowed` lists the methods the path takes, if any (a 405, else a 404).
struct RouteMatch {
  std::size_t index = SIZE_MAX;
  RouteParams params;
  std::string allowed;
};
RouteMatch match_route(const std::string& method, const std::string& path,
                       const std::vector<bool>& served);

/// Runs the matched route's handler; 404 or 405 (JSON) when none matched,
/// and 500 (JSON) when a handler throws.
void dispatch(const App& app, const ApiRequest& request, const RouteMatch& match,
              const Responder& responder);

}  // namespace incident
