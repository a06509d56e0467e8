// Token, health and metrics endpoints. /health and /health/ready ask the
// supervisor, which asks every singleton actor (and storage asks Redis for a
// PING), so that a load balancer takes a process with a stuck component or
// no Redis out of rotation; /health/live only says the process serves.
#include "http/misc_handlers.hpp"

#include <ctime>

#include "http/handler_support.hpp"
#include "metrics/exposition.hpp"

namespace incident::handlers {

void create_token(const App& app, const ApiRequest& request, const RouteParams&,
                  const Responder& responder) {
  auto fields = read_body(request, responder);
  if (!fields) return;
  auto token = app.tokens.create(*fields, std::time(nullptr));
  if (!token) return responder.send(error_response(token.error()));
  responder.send(json_response(200, *token));
}

void whoami(const App& app, const ApiRequest& request, const RouteParams&,
            const Responder& responder) {
  auto principal = authenticate(app, request, responder);
  if (!principal) return;
  if (principal->anonymous)
    return responder.send(error_response(field_error(
        ErrorKind::unauthenticated, "Authentication required", "token", "No token was sent.")));
  // "playload" is the reference's spelling; its clients read that key.
  responder.send(json_response(200, {{"playload", *principal->claims}}));
}

void health(const App& app, const ApiRequest&, const RouteParams&, const Responder& responder) {
  caf::anon_send(app.supervisor, ping_atom::value, Reply<bool>{[responder](Result<bool> pong) {
                   if (!pong) {
                     auto response = json_response(
                         503, {{"status", "unavailable"}, {"reason", pong.error().message}});
                     response.headers.emplace_back("Retry-After", "1");
                     return responder.send(response);
                   }
                   responder.send(json_response(200, {{"status", "ok"}}));
                 }});
}

void health_live(const App&, const ApiRequest&, const RouteParams&, const Responder& responder) {
  responder.send(json_response(200, {{"status", "ok"}}));
}

void health_ready(const App& app, const ApiRequest& request, const RouteParams& params,
                  const Responder& responder) {
  if (*app.draining) {
    auto response = json_response(503, {{"status", "draining"}, {"reason", "Shutting down"}});
    response.headers.emplace_back("Retry-After", "1");
    return responder.send(response);
  }
  health(app, request, params, responder);
}

void metrics_text(const App& app, const ApiRequest&, const RouteParams&,
                  const Responder& responder) {
  if (!app.settings.metrics)
    return responder.send(error_response(Error{ErrorKind::not_found, "Not found", {}}));
  ApiResponse response;
  response.body = metrics::render_text(*app.metrics);
  response.headers.emplace_back("Content-Type", metrics::kTextContentType);
  response.headers.emplace_back("Cache-Control", "no-store");
  responder.send(response);
}

void health_version(const App&, const ApiRequest&, const RouteParams&, const Responder& responder) {
  responder.send(json_response(200, {{"version", INCIDENT_API_VERSION}}));
}

}  // namespace incident::handlers
