// The route table: every endpoint in one place, matched by method and path.
// ":id" segments match positive decimal ids only (anything else is a 404).
#pragma once

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

struct Route {
  const char* method;
  const char* pattern;  // e.g. "/api/incident/:id/update"
  Handler handler;
};

const std::vector<Route>& routes();

/// Runs the handler of the matching route; 404 or 405 (JSON) otherwise, and
/// 500 (JSON) when a handler throws.
void dispatch(const App& app, const ApiRequest& request, const Responder& responder);

}  // namespace incident
