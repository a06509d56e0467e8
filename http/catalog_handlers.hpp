// Handlers of /api/scope and /api/service (one implementation, two kinds).
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void list_scopes(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void get_scope(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void create_scope(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void update_scope(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void delete_scope(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void list_services(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void get_service(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void create_service(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void update_service(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void delete_service(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
