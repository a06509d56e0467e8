// The OpenAPI document and the route table describe the same API: every
// route is an operation of the document and every operation a route, and the
// document the binary serves is the repository's api/openapi.json.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "http/embedded_assets.hpp"
#include "http/routes.hpp"

namespace incident {
namespace {

std::string repository_document() {
  std::ifstream in(INCIDENT_OPENAPI_PATH);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// "/api/incident/:id" -> "/api/incident/{id}", as OpenAPI writes it.
std::string openapi_path(std::string pattern) {
  auto at = pattern.find(":id");
  if (at != std::string::npos) pattern.replace(at, 3, "{id}");
  return pattern;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

TEST(OpenApiRoutesTest, EveryRouteIsAnOperationAndEveryOperationARoute) {
  auto document = nlohmann::json::parse(repository_document());
  std::set<std::pair<std::string, std::string>> from_routes, from_document;
  for (const auto& route : routes())
    from_routes.emplace(lowercase(route.method), openapi_path(route.pattern));
  for (const auto& [path, item] : document["paths"].items())
    for (const auto& [method, operation] : item.items())
      if (method != "parameters" && method != "summary" && method != "description")
        from_document.emplace(method, path);
  for (const auto& missing : from_routes)
    EXPECT_TRUE(from_document.count(missing))
        << missing.first << " " << missing.second << " is a route the document does not describe";
  for (const auto& extra : from_document)
    EXPECT_TRUE(from_routes.count(extra))
        << extra.first << " " << extra.second << " is in the document but no route serves it";
}

/// `value`, or what its "$ref" ("#/components/...") points at.
const nlohmann::json& resolve(const nlohmann::json& document, const nlohmann::json& value) {
  if (!value.contains("$ref")) return value;
  return document.at(nlohmann::json::json_pointer(value["$ref"].get<std::string>().substr(1)));
}

TEST(OpenApiRoutesTest, EveryOperationHasAnIdAndDeclaresTheRequestIdHeader) {
  auto document = nlohmann::json::parse(repository_document());
  std::set<std::string> ids;
  for (const auto& [path, item] : document["paths"].items())
    for (const auto& [method, operation] : item.items()) {
      if (!operation.is_object() || !operation.contains("responses")) continue;
      std::string id = operation.value("operationId", "");
      EXPECT_FALSE(id.empty()) << method << " " << path;
      EXPECT_TRUE(ids.insert(id).second) << "operationId " << id << " is used twice";
      for (const auto& [status, response] : operation["responses"].items()) {
        const auto& resolved = resolve(document, response);
        EXPECT_TRUE(resolved.contains("headers") && resolved["headers"].contains("X-Request-Id"))
            << method << " " << path << " " << status << " does not declare X-Request-Id";
      }
    }
  EXPECT_EQ(document["openapi"], "3.0.3");
}

TEST(OpenApiRoutesTest, TheBinaryServesTheRepositorysDocument) {
  auto served = embedded_asset("openapi.json");
  ASSERT_TRUE(served);
  EXPECT_EQ(std::string(served->bytes), repository_document());
}

}  // namespace
}  // namespace incident
