// The change feed over HTTP: resumable with Last-Event-ID (a stream id, as
// the header or the last_event_id parameter); anonymous readers get the
// public view. The feed hub's session takes it from there.
#include "http/feed_handlers.hpp"

#include "http/handler_support.hpp"

namespace incident::handlers {

void stream_incidents(const App& app, const ApiRequest& request, const RouteParams&,
                      const Responder& responder) {
  if (request.method == "HEAD") {  // a stream has no end to measure: only GET opens one
    auto refusal =
        error_response(Error{ErrorKind::method_not_allowed, "Use GET to read the stream", {}});
    refusal.headers.emplace_back("Allow", "GET");
    return responder.send(refusal);
  }
  auto principal = authenticate(app, request, responder);
  if (!principal) return;
  std::string last_id = request.header("last-event-id").value_or("");
  if (last_id.empty()) {
    auto parameter = request.query.find("last_event_id");
    if (parameter != request.query.end() && !parameter->second.empty())
      last_id = parameter->second.front().text;
  }
  if (!last_id.empty() && !is_stream_id(last_id))
    return responder.send(
        error_response(field_error(ErrorKind::invalid, "Invalid Last-Event-ID", "Last-Event-ID",
                                   "Expected a stream id such as 1764237600000-0.")));
  Audience audience = principal->anonymous ? Audience::anonymous : Audience::token_holder;
  caf::anon_send(
      app.feed_hub, subscribe_atom::value,
      Subscription{[responder] { return responder.open_event_stream(); },
                   [responder](const Error& error) { responder.send(error_response(error)); },
                   last_id, audience});
}

}  // namespace incident::handlers
