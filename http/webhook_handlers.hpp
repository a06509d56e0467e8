// Webhook endpoints (permission webhook_api): CRUD like scopes, plus the
// secret's rotation, the recent delivery attempts and replays.
#pragma once

#include "http/api_request.hpp"
#include "http/app.hpp"
#include "http/responder.hpp"
#include "http/routes.hpp"

namespace incident::handlers {

void list_webhooks(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void create_webhook(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void get_webhook(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void update_webhook(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void delete_webhook(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void rotate_webhook_secret(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void list_webhook_deliveries(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void replay_webhook(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
