// Incident endpoints. Each handler: authenticate, parse, validate, one message
// to the registry (or storage for lists), and a reply callback that answers.
#include "http/incident_handlers.hpp"

#include "domain/validation.hpp"
#include "http/handler_support.hpp"
#include "http/list_answer.hpp"

namespace incident::handlers {
namespace {

constexpr const char* kPermission = "incident_api";
constexpr std::size_t kMaxIdempotencyKey = 255;

/// The Idempotency-Key header (nullopt inside when absent); nullopt, with the
/// 400 sent, when it is malformed.
std::optional<std::optional<std::string>> read_idempotency_key(const ApiRequest& request,
                                                               const Responder& responder) {
  std::optional<std::string> key = request.header("idempotency-key");
  if (key && (key->empty() || key->size() > kMaxIdempotencyKey)) {
    responder.send(
        error_response(field_error(ErrorKind::invalid, "Invalid Idempotency-Key", "Idempotency-Key",
                                   "Must be 1 to 255 characters long.")));
    return std::nullopt;
  }
  return key;
}

Audience audience_of(const Principal& principal) {
  return principal.anonymous ? Audience::anonymous : Audience::token_holder;
}

}  // namespace

void list_incidents(const App& app, const ApiRequest& request, const RouteParams&,
                    const Responder& responder) {
  auto principal = authenticate(app, request, responder);
  if (!principal) return;
  auto page = parse_page_request(request.query);
  if (!page) return responder.send(error_response(page.error()));
  auto filter = parse_incident_filter(request.query);
  if (!filter) return responder.send(error_response(filter.error()));
  std::string base = base_url(app, request);
  Audience audience = audience_of(*principal);
  PageRequest requested = *page;
  std::string filter_query = filter_query_string(*filter);
  caf::anon_send(app.storage, list_atom::value,
                 ListCommand{requested, *filter, [=](Result<IncidentPage> result) {
                               if (!result) return responder.send(error_response(result.error()));
                               std::string items = "[";
                               for (const auto& incident : result->items) {
                                 if (items.size() > 1) items += ',';
                                 items += incident_json_text(incident, base, audience);
                               }
                               items += ']';
                               responder.send(list_answer(requested, result->total, items,
                                                          base + "/api/incident", filter_query));
                             }});
}

void get_incident(const App& app, const ApiRequest& request, const RouteParams& params,
                  const Responder& responder) {
  auto principal = authenticate(app, request, responder);
  if (!principal) return;
  std::string base = base_url(app, request);
  Audience audience = audience_of(*principal);
  caf::anon_send(
      app.registry, get_atom::value, params.id, GetCommand{[=](Result<Incident> result) {
        if (!result) return responder.send(error_response(result.error()));
        auto response = json_text_response(200, incident_json_text(*result, base, audience));
        response.headers.emplace_back("ETag", "\"" + std::to_string(result->version) + "\"");
        responder.send(response);
      }});
}

void create_incident(const App& app, const ApiRequest& request, const RouteParams&,
                     const Responder& responder) {
  auto principal = authorize(app, request, responder, kPermission);
  if (!principal) return;
  auto create = read_validated(request, responder, validate_create);
  if (!create) return;
  auto read_key = read_idempotency_key(request, responder);
  if (!read_key) return;
  std::optional<std::string> key = *read_key;
  if (key) key = principal->jti + ":" + *key;
  caf::anon_send(
      app.registry, create_atom::value,
      CreateCommand{*create, key,
                    answer_incident_write(request, responder, base_url(app, request), 201)});
}

void update_incident(const App& app, const ApiRequest& request, const RouteParams& params,
                     const Responder& responder) {
  auto principal = authorize(app, request, responder, kPermission);
  if (!principal) return;
  std::optional<std::int64_t> if_match;
  if (!read_if_match(request, responder, if_match)) return;
  auto update = read_validated(request, responder, validate_update);
  if (!update) return;
  caf::anon_send(
      app.registry, update_atom::value, params.id,
      UpdateCommand{*update, if_match,
                    answer_incident_write(request, responder, base_url(app, request), 200)});
}

void comment_incident(const App& app, const ApiRequest& request, const RouteParams& params,
                      const Responder& responder) {
  auto principal = authorize(app, request, responder, kPermission);
  if (!principal) return;
  std::optional<std::int64_t> if_match;
  if (!read_if_match(request, responder, if_match)) return;
  auto key = read_idempotency_key(request, responder);
  if (!key) return;
  auto comment = read_validated(request, responder, validate_comment);
  if (!comment) return;
  // Scoped to the client and the incident: never another's, nor a create's
  // (a create's key starts with the token's id, never with "comment").
  if (*key) *key = "comment:" + principal->jti + ":" + std::to_string(params.id) + ":" + **key;
  caf::anon_send(
      app.registry, comment_atom::value, params.id,
      CommentCommand{*comment, if_match,
                     answer_incident_write(request, responder, base_url(app, request), 200), *key});
}

void delete_incident(const App& app, const ApiRequest& request, const RouteParams& params,
                     const Responder& responder) {
  auto principal = authorize(app, request, responder, kPermission);
  if (!principal) return;
  std::optional<std::int64_t> if_match;
  if (!read_if_match(request, responder, if_match)) return;
  std::string list_url = base_url(app, request) + "/api/incident";
  bool representation = wants_representation(request);
  caf::anon_send(app.registry, delete_atom::value, params.id,
                 DeleteCommand{if_match, [=](Result<Incident> result) {
                                 if (!result) return responder.send(error_response(result.error()));
                                 auto response = representation
                                                     ? json_response(204, nullptr)
                                                     : json_response(302, {{"location", list_url}});
                                 response.headers.emplace_back("Location", list_url);
                                 responder.send(response);
                               }});
}

}  // namespace incident::handlers
