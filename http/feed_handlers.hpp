// Handler of GET /api/incident/stream: the change feed as Server-Sent Events.
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void stream_incidents(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
