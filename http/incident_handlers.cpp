// Incident endpoints. Each handler: authenticate, parse, validate, one message
// to the registry (or storage for lists), and a reply callback that answers.
#include "http/incident_handlers.hpp"

#include <string_view>

#include "domain/validation.hpp"
#include "http/handler_support.hpp"
#include "http/list_answer.hpp"
#include "http/render_cache.hpp"

namespace incident::handlers {
namespace {

constexpr const char* kPermission = "incident_api";
constexpr std::size_t kMaxIdempotencyKey = 255;
/// A shown version read this many times keeps its rendering: a hot incident
/// is rendered a few times per version, while reads spread over many
/// incidents (each read once or twice while its actor holds it) do not fill
/// the renderings' memory.
constexpr std::uint32_t kReadsBeforeKeeping = 3;

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

/// The incident as `audience` sees it with links from `base`: the rendering
/// `cache` keeps of that version, else rendered now. A GET the actors answer
/// does not keep what it renders: the actor's copy may predate a failover
/// that the cache was cleared for. Renderings are kept from what lists read
/// in Redis, and of incidents shown in ReadyIncidents (get_incident).
std::shared_ptr<const std::string> rendered(RenderCache& cache, const Incident& incident,
                                            const std::string& base, Audience audience) {
  if (auto kept = cache.find(incident.id, incident.version, audience, base)) return kept;
  return std::make_shared<const std::string>(incident_json_text(incident, base, audience));
}

/// Items of list pages as `audience` sees them with links from `base`: the
/// renderings `cache` keeps, and the same bytes a GET would give otherwise.
PageRenderer renderer_for(const std::shared_ptr<RenderCache>& cache, const std::string& base,
                          Audience audience) {
  PageRenderer renderer;
  const std::uint64_t generation = cache->generation();  // before anything is read
  renderer.cached = [cache, base, audience](const IncidentRef& item) {
    return cache->find(item.id, item.version, audience, base);
  };
  renderer.render = [cache, base, audience, generation](const Incident& incident) {
    // A miss already: rendered without looking again.
    auto json = std::make_shared<const std::string>(incident_json_text(incident, base, audience));
    cache->put(incident.id, incident.version, audience, base, json, generation);
    return json;
  };
  return renderer;
}

/// {"items":[...]}: the page's renderings joined once, into the body itself.
std::string items_body(const std::vector<std::shared_ptr<const std::string>>& items) {
  static constexpr std::string_view kOpen = "{\"items\":[", kClose = "]}";
  std::size_t size = kOpen.size() + kClose.size() + items.size();
  for (const auto& item : items) size += item->size();
  std::string out;
  out.reserve(size);
  out += kOpen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += *items[i];
  }
  out += kClose;
  return out;
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
                 ListCommand{requested, *filter, renderer_for(app.render_cache, base, audience),
                             [=](Result<RenderedPage> result) {
                               if (!result) return responder.send(error_response(result.error()));
                               responder.send(list_answer_body(
                                   requested, result->total, items_body(result->items),
                                   base + "/api/incident", filter_query));
                             }});
}

void get_incident(const App& app, const ApiRequest& request, const RouteParams& params,
                  const Responder& responder) {
  auto principal = authenticate(app, request, responder);
  if (!principal) return;
  std::string base = base_url(app, request);
  Audience audience = audience_of(*principal);
  auto send = [responder](const Incident& incident, const std::string& json) {
    auto response = json_text_response(200, json);
    response.headers.emplace_back("ETag", "\"" + std::to_string(incident.version) + "\"");
    responder.send(response);
  };
  if (app.ready) {
    // Read before the table: a failover or an emptied Redis clears the table,
    // then the renderings (main.cpp), so a rendering of what was found here is
    // kept only if no clear() came since, like those lists read from Redis.
    const std::uint64_t generation = app.render_cache->generation();
    if (auto [ready, reads] = app.ready->read(params.id); ready) {
      if (app.metrics) app.metrics->cache.hits.add();
      auto json = app.render_cache->find(ready->id, ready->version, audience, base);
      if (!json) {
        json = std::make_shared<const std::string>(incident_json_text(*ready, base, audience));
        if (reads >= kReadsBeforeKeeping)
          app.render_cache->put(ready->id, ready->version, audience, base, json, generation);
      }
      return send(*ready, *json);
    }
  }
  // On the actors' thread: the first GET after a load or a write.
  caf::anon_send(app.registry, get_atom::value, params.id,
                 GetCommand{[cache = app.render_cache, base, audience, send,
                             responder](Result<Incident> result) {
                   if (!result) return responder.send(error_response(result.error()));
                   send(*result, *rendered(*cache, *result, base, audience));
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
