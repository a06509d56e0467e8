// Scope and service endpoints: one templated handler per operation, bound to
// a kind ("scope" or "service") and its permission.
#include "http/catalog_handlers.hpp"

#include "domain/validation.hpp"
#include "http/handler_support.hpp"
#include "http/list_answer.hpp"

namespace incident::handlers {
namespace {

struct Kind {
  const char* name;        // "scope"
  const char* title;       // "Scope"
  const char* permission;  // "scope_api"
};

constexpr Kind kScope{"scope", "Scope", "scope_api"};
constexpr Kind kService{"service", "Service", "service_api"};

void send_catalog(const App& app, CatalogCommand command) {
  caf::anon_send(app.catalog, catalog_atom::value, std::move(command));
}

Reply<CatalogView> answer_one(const Responder& responder, const std::string& base, const Kind& kind,
                              std::optional<bool> representation, int representation_status) {
  std::string kind_name = kind.name;
  return [=](Result<CatalogView> result) {
    if (!result) return responder.send(error_response(result.error()));
    auto body = catalog_to_json(result->entry, result->incidents_count, kind_name, base);
    if (!representation) return responder.send(json_response(200, body));
    std::string location = base + "/api/" + kind_name + "/" + std::to_string(result->entry.id);
    responder.send(
        write_answer(*representation, representation_status, location, compact_json(body)));
  };
}

void list(const Kind& kind, const App& app, const ApiRequest& request, const Responder& responder) {
  if (!authenticate(app, request, responder)) return;
  auto page = parse_page_request(request.query);
  if (!page) return responder.send(error_response(page.error()));
  std::string base = base_url(app, request), kind_name = kind.name;
  CatalogCommand command;
  command.op = CatalogCommand::Op::list;
  command.kind = kind.name;
  command.page = *page;
  command.reply_page = [=, requested = *page](Result<CatalogPage> result) {
    if (!result) return responder.send(error_response(result.error()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& view : result->items)
      items.push_back(catalog_to_json(view.entry, view.incidents_count, kind_name, base));
    responder.send(
        list_answer(requested, result->total, compact_json(items), base + "/api/" + kind_name));
  };
  send_catalog(app, std::move(command));
}

void get(const Kind& kind, const App& app, const ApiRequest& request, const RouteParams& params,
         const Responder& responder) {
  if (!authenticate(app, request, responder)) return;
  CatalogCommand command;
  command.kind = kind.name;
  command.id = params.id;
  command.reply_one = answer_one(responder, base_url(app, request), kind, std::nullopt, 200);
  send_catalog(app, std::move(command));
}

void create(const Kind& kind, const App& app, const ApiRequest& request,
            const Responder& responder) {
  if (!authorize(app, request, responder, kind.permission)) return;
  auto create = read_validated(request, responder, [&](const FieldMap& fields) {
    return validate_catalog_create(fields, kind.title);
  });
  if (!create) return;
  CatalogCommand command;
  command.op = CatalogCommand::Op::create;
  command.kind = kind.name;
  command.create = *create;
  command.reply_one =
      answer_one(responder, base_url(app, request), kind, wants_representation(request), 201);
  send_catalog(app, std::move(command));
}

void update(const Kind& kind, const App& app, const ApiRequest& request, const RouteParams& params,
            const Responder& responder) {
  if (!authorize(app, request, responder, kind.permission)) return;
  auto update = read_validated(request, responder, [&](const FieldMap& fields) {
    return validate_catalog_update(fields, kind.title);
  });
  if (!update) return;
  CatalogCommand command;
  command.op = CatalogCommand::Op::update;
  command.kind = kind.name;
  command.id = params.id;
  command.update = *update;
  command.reply_one =
      answer_one(responder, base_url(app, request), kind, wants_representation(request), 200);
  send_catalog(app, std::move(command));
}

void remove(const Kind& kind, const App& app, const ApiRequest& request, const RouteParams& params,
            const Responder& responder) {
  if (!authorize(app, request, responder, kind.permission)) return;
  std::string list_url = base_url(app, request) + "/api/" + kind.name;
  bool representation = wants_representation(request);
  CatalogCommand command;
  command.op = CatalogCommand::Op::remove;
  command.kind = kind.name;
  command.id = params.id;
  command.reply_one = [=](Result<CatalogView> result) {
    if (!result) return responder.send(error_response(result.error()));
    auto response =
        representation ? json_response(204, nullptr) : json_response(302, {{"location", list_url}});
    response.headers.emplace_back("Location", list_url);
    responder.send(response);
  };
  send_catalog(app, std::move(command));
}

}  // namespace

#define INCIDENT_CATALOG_HANDLERS(suffix, kind)                                                    \
  void list_##suffix##s(const App& a, const ApiRequest& r, const RouteParams&,                     \
                        const Responder& w) {                                                      \
    list(kind, a, r, w);                                                                           \
  }                                                                                                \
  void get_##suffix(const App& a, const ApiRequest& r, const RouteParams& p, const Responder& w) { \
    get(kind, a, r, p, w);                                                                         \
  }                                                                                                \
  void create_##suffix(const App& a, const ApiRequest& r, const RouteParams&,                      \
                       const Responder& w) {                                                       \
    create(kind, a, r, w);                                                                         \
  }                                                                                                \
  void update_##suffix(const App& a, const ApiRequest& r, const RouteParams& p,                    \
                       const Responder& w) {                                                       \
    update(kind, a, r, p, w);                                                                      \
  }                                                                                                \
  void delete_##suffix(const App& a, const ApiRequest& r, const RouteParams& p,                    \
                       const Responder& w) {                                                       \
    remove(kind, a, r, p, w);                                                                      \
  }

INCIDENT_CATALOG_HANDLERS(scope, kScope)
INCIDENT_CATALOG_HANDLERS(service, kService)

}  // namespace incident::handlers
