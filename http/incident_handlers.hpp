// Handlers of /api/incident: parse and validate, send one message, answer.
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void list_incidents(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void get_incident(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void create_incident(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void update_incident(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void comment_incident(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void delete_incident(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
