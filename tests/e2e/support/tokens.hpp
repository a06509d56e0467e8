// Tokens for the tests: issued by the server through POST /api/token/create,
// or forged locally (other secret, expired, alg "none") to test rejection.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.hpp"

namespace e2e {

struct TokenRequest {
  explicit TokenRequest(std::string application_secret) : secret(std::move(application_secret)) {}

  std::string secret;
  std::string name = "e2e token";
  std::string description = "issued by the e2e tests";
  std::vector<std::string> permissions = {"incident_api", "scope_api", "service_api"};
  std::string not_before_date;  // "YYYY-MM-DDTHH:MM" or "" for none
  std::string expiration_date;  // idem
};

/// POST /api/token/create as a form; the raw answer.
Response request_token(const ApiClient& api, const TokenRequest& request);

/// The issued token, or "" when the server did not answer 200 with a JSON string.
std::string issue_token(const ApiClient& api, const TokenRequest& request);

/// base64url without padding, as JWT uses it.
std::string base64url(const std::string& bytes);
std::string base64url_decode(const std::string& text);

/// A JWT with that header and payload, signed HS256 with secret; with
/// alg "none" the signature is empty.
std::string forge_jwt(const nlohmann::json& payload, const std::string& secret,
                      const std::string& alg = "HS256");

/// The claims of a token (no signature check); discarded when unreadable.
nlohmann::json jwt_claims(const std::string& token);

}  // namespace e2e
