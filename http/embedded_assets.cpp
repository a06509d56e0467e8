// The assembler's .incbin copies each file into read-only data at build
// time (CMake passes the paths and rebuilds when a file changes): no
// generated source, no multi-megabyte array literal to compile.
#include "http/embedded_assets.hpp"

#include <cstdint>
#include <cstdio>
#include <map>

#define INCIDENT_EMBED(symbol, path)                                          \
  __asm__(".section .rodata\n.balign 16\n.global " #symbol "_start\n" #symbol \
          "_start:\n.incbin \"" path "\"\n.global " #symbol "_end\n" #symbol  \
          "_end:\n"                                                           \
          ".previous\n");                                                     \
  extern "C" const char symbol##_start[];                                     \
  extern "C" const char symbol##_end[];

INCIDENT_EMBED(incident_asset_openapi, INCIDENT_OPENAPI_PATH)
#ifdef INCIDENT_DOCS_UI_DIR
INCIDENT_EMBED(incident_asset_swagger_css, INCIDENT_DOCS_UI_DIR "/swagger-ui.css")
INCIDENT_EMBED(incident_asset_swagger_js, INCIDENT_DOCS_UI_DIR "/swagger-ui-bundle.js")
INCIDENT_EMBED(incident_asset_favicon, INCIDENT_DOCS_UI_DIR "/favicon-32x32.png")
#endif

namespace incident {
namespace {

std::string etag_of(std::string_view bytes) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

EmbeddedAsset asset(const char* start, const char* end, const char* content_type) {
  std::string_view bytes(start, static_cast<std::size_t>(end - start));
  return EmbeddedAsset{bytes, content_type, etag_of(bytes)};
}

const std::map<std::string_view, EmbeddedAsset>& assets() {
  static const std::map<std::string_view, EmbeddedAsset> all = {
      {"openapi.json",
       asset(incident_asset_openapi_start, incident_asset_openapi_end, "application/json")},
#ifdef INCIDENT_DOCS_UI_DIR
      {"swagger-ui.css", asset(incident_asset_swagger_css_start, incident_asset_swagger_css_end,
                               "text/css; charset=utf-8")},
      {"swagger-ui-bundle.js", asset(incident_asset_swagger_js_start, incident_asset_swagger_js_end,
                                     "text/javascript; charset=utf-8")},
      {"favicon-32x32.png",
       asset(incident_asset_favicon_start, incident_asset_favicon_end, "image/png")},
#endif
  };
  return all;
}

}  // namespace

std::optional<EmbeddedAsset> embedded_asset(std::string_view name) {
  auto it = assets().find(name);
  if (it == assets().end()) return std::nullopt;
  return it->second;
}

}  // namespace incident
