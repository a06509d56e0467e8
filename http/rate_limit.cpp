#include "http/rate_limit.hpp"

#include <chrono>

#include "actors/messages.hpp"
#include "domain/rate_window.hpp"
#include "http/error_mapping.hpp"
#include "http/routes.hpp"

namespace incident {
namespace {

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Every /api request (the docs too, and unmatched ones: scanning costs quota).
bool is_counted(const ApiRequest& request) {
  return request.path == "/api" || request.path.rfind("/api/", 0) == 0;
}

}  // namespace

void dispatch_counted(const App& app, ApiRequest request, RouteMatch match,
                      const Responder& responder) {
  const Settings& settings = app.settings;
  if (!settings.ratelimit_enabled || !is_counted(request))
    return dispatch(app, request, match, responder);
  std::int64_t now = epoch_seconds();
  // A forged token cannot spend another client's quota: only a verified jti counts as one.
  auto principal = app.tokens.authenticate(request.header("authorization"), now);
  RateCount count;
  if (principal.ok() && !principal->anonymous) {
    count.client = principal->jti;
    responder.set_token(principal->name);
    count.limit = settings.ratelimit_logged;
  } else {
    count.client = request.peer_address;
    count.limit = settings.ratelimit_default;
  }
  count.window = rate_window(now, settings.ratelimit_period_hours * 3600LL);
  RateCommand command{count.client, count.window.start, count.window.reset, now, nullptr};
  const App* application = &app;  // the App outlives every request
  command.reply = [application, count, now, request = std::move(request), match = std::move(match),
                   responder](Result<std::int64_t> used) mutable {
    if (!used) return dispatch(*application, request, match, responder);
    count.used = *used;
    responder.add_headers(rate_headers(count, now));
    if (!count.exceeded()) return dispatch(*application, request, match, responder);
    if (application->metrics) application->metrics->rate_limited.add();
    responder.send(json_response(429, {{"message", "Too many requests"},
                                       {"reasons",
                                        {{"rate_limit",
                                          {"At most " + std::to_string(count.limit) +
                                           " requests per window; retry after the reset."}}}}}));
  };
  caf::anon_send(app.storage, rate_atom::value, std::move(command));
}

}  // namespace incident
