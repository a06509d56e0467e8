// Rate limiting in front of the routes (contract, operations): each /api
// request is counted against its client (the token's jti, else the address)
// in a fixed window kept in Redis, shared by every server process.
#pragma once

#include "http/api_request.hpp"
#include "http/app.hpp"
#include "http/responder.hpp"
#include "http/routes.hpp"

namespace incident {

/// Dispatches the request, first counting it when rate limiting is on: past
/// the limit the answer is 429 with Retry-After; every counted answer carries
/// the X-RateLimit-* headers. When Redis cannot count, the request is served
/// without them (the limiter fails open, it never blocks the API).
void dispatch_counted(const App& app, ApiRequest request, RouteMatch match,
                      const Responder& responder);

}  // namespace incident
