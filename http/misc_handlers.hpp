// Handlers of tokens (/api/token), health (/health, /health/live, /health/ready,
// /health/version) and metrics (/metrics).
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void create_token(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void whoami(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health_live(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health_ready(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void metrics_text(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void health_version(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
