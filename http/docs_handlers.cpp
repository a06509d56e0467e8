// Every file is answered with an ETag and revalidated (If-None-Match: 304),
// so a browser downloads Swagger UI's 1.7 MB once per build of the server.
#include "http/docs_handlers.hpp"

#include "http/embedded_assets.hpp"
#include "http/error_mapping.hpp"

namespace incident::handlers {
namespace {

// Swagger UI's own page, pointed at our document; "Authorize" keeps the
// bearer token across reloads, and "Try it out" calls the server the page
// came from (the document's server is "/").
constexpr const char* kDocsPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>incident-api: API reference</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  validatorUrl: null
});
</script>
</body>
</html>
)html";

void send_asset(const char* name, const ApiRequest& request, const Responder& responder) {
  auto asset = embedded_asset(name);
  if (!asset)
    return responder.send(
        error_response(Error{ErrorKind::not_found,
                             "The docs page is not built in: install swagger-ui-dist "
                             "(scripts/install-npm.sh) and build again",
                             {}}));
  ApiResponse response;
  response.headers.emplace_back("ETag", asset->etag);
  response.headers.emplace_back("Cache-Control", "no-cache");
  auto known = request.header("if-none-match");
  if (known && known->find(asset->etag) != std::string::npos) {
    response.status = 304;
    return responder.send(response);
  }
  response.headers.emplace_back("Content-Type", asset->content_type);
  response.body = std::string(asset->bytes);
  responder.send(response);
}

bool wants_html(const ApiRequest& request) {
  auto accept = request.header("accept");
  return accept && accept->find("text/html") != std::string::npos;
}

}  // namespace

void openapi_document(const App&, const ApiRequest& request, const RouteParams&,
                      const Responder& responder) {
  send_asset("openapi.json", request, responder);
}

void docs_page(const App&, const ApiRequest&, const RouteParams&, const Responder& responder) {
  ApiResponse response;
  response.body = kDocsPage;
  response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-cache");
  responder.send(response);
}

void docs_stylesheet(const App&, const ApiRequest& request, const RouteParams&,
                     const Responder& responder) {
  send_asset("swagger-ui.css", request, responder);
}

void docs_script(const App&, const ApiRequest& request, const RouteParams&,
                 const Responder& responder) {
  send_asset("swagger-ui-bundle.js", request, responder);
}

void docs_icon(const App&, const ApiRequest& request, const RouteParams&,
               const Responder& responder) {
  send_asset("favicon-32x32.png", request, responder);
}

void api_root(const App& app, const ApiRequest& request, const RouteParams& params,
              const Responder& responder) {
  responder.add_headers({{"Vary", "Accept"}});  // caches keep the page and the document apart
  if (wants_html(request)) return docs_page(app, request, params, responder);
  openapi_document(app, request, params, responder);
}

}  // namespace incident::handlers
