// Handlers of tokens (/api/token) and health (/health, /health/version).
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void create_token(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void whoami(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health_version(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
