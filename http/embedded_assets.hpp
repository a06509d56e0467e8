// Files built into the binary: the OpenAPI document (api/openapi.json) and
// the Swagger UI files the docs page loads, so it works with no network and
// no files beside the server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace incident {

struct EmbeddedAsset {
  std::string_view bytes;
  const char* content_type;
  std::string etag;  // quoted, from the bytes: changes whenever they do
};

/// "openapi.json", "swagger-ui.css", "swagger-ui-bundle.js" or
/// "favicon-32x32.png"; nullopt for another name, or for the Swagger UI files
/// when the build did not find them (swagger-ui-dist not installed).
std::optional<EmbeddedAsset> embedded_asset(std::string_view name);

}  // namespace incident
