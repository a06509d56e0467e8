// The API's own description: the OpenAPI document (/api/openapi.json) and
// the Swagger UI page that renders it (/api/docs, and /api for a browser).
#pragma once

#include "http/routes.hpp"

namespace incident::handlers {

void openapi_document(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void docs_page(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void docs_stylesheet(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void docs_script(const App&, const ApiRequest&, const RouteParams&, const Responder&);
void docs_icon(const App&, const ApiRequest&, const RouteParams&, const Responder&);
/// A browser (Accept: text/html) gets the docs page, anything else the document.
void api_root(const App&, const ApiRequest&, const RouteParams&, const Responder&);

}  // namespace incident::handlers
