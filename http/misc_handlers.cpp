// Token and health endpoints. /health asks the supervisor, which asks every
// singleton actor (and storage asks Redis for a PING), so that a load
// balancer takes a process with a stuck component or no Redis out of rotation.
#include "http/misc_handlers.hpp"

#include <ctime>

#include "http/handler_support.hpp"

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
                   if (!pong)
                     return responder.send(json_response(
                         503, {{"status", "unavailable"}, {"reason", pong.error().message}}));
                   responder.send(json_response(200, {{"status", "ok"}}));
                 }});
}

void health_version(const App&, const ApiRequest&, const RouteParams&, const Responder& responder) {
  responder.send(json_response(200, {{"version", INCIDENT_API_VERSION}}));
}

}  // namespace incident::handlers
