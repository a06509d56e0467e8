// Token verification and signing with libjwt. Signature checking is libjwt's;
// claims (issuer, version, validity window, permissions) are checked here.
#include "http/auth.hpp"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "domain/dates.hpp"
#include "domain/utf8.hpp"

namespace incident {
namespace {

constexpr std::size_t kMaxTokenBytes = 4096;  // ours are ~400 bytes
constexpr std::int64_t kDefaultLifetimeSeconds = 365LL * 24 * 3600;

Error invalid_token(const std::string& why) {
  return field_error(ErrorKind::unauthenticated, "Authentication failed", "token", why);
}

Error token_form_error(const std::string& field, const std::string& why) {
  return field_error(ErrorKind::invalid, "Token creation failed", field, why);
}

bool same_secret(const std::string& given, const std::string& expected) {
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

std::string new_uuid() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

const std::string* first_text(const FieldMap& fields, const std::string& name) {
  auto it = fields.find(name);
  if (it == fields.end() || it->second.empty()) return nullptr;
  return &it->second.front().text;
}

/// The claims' own rules, once the signature is known to be ours.
std::optional<Error> check_claims(const nlohmann::json& claims, const std::string& issuer,
                                  std::int64_t now) {
  auto integer = [&](const char* name) -> std::optional<std::int64_t> {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
  };
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() || *iss != issuer)
    return invalid_token("Invalid token issuer.");
  if (integer("version") != std::optional<std::int64_t>(1))
    return invalid_token("Unsupported token version.");
  auto exp = integer("exp"), nbf = integer("nbf");
  // A time claim of another type is refused, never read as absent: an nbf of
  // 1.9e9 or "2030-01-01" must not make a future token valid now.
  if (!exp) return invalid_token("Token has no integer exp.");
  if (!nbf && claims.contains("nbf")) return invalid_token("Token nbf is not an integer.");
  if (*exp <= now) return invalid_token("Token expired.");
  if (nbf && *nbf > now) return invalid_token("Token not yet valid.");
  auto permissions = claims.find("permissions");
  if (permissions == claims.end() || !permissions->is_array())
    return invalid_token("Token has no permissions.");
  auto jti = claims.find("jti");
  if (jti == claims.end() || !jti->is_string()) return invalid_token("Token has no jti.");
  return std::nullopt;
}

}  // namespace

struct TokenService::VerifiedTokens {
  static constexpr std::size_t kCapacity = 4096;

  /// The principal of a token verified earlier, if it is still within its
  /// validity window at `now`.
  std::optional<Principal> find(const std::string& token, std::int64_t now) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = entries.find(token);
    if (it == entries.end()) return std::nullopt;
    // The claims were checked when the token was first seen; only time moves.
    const Entry& entry = it->second;
    if (entry.expires <= now || entry.not_before > now) return std::nullopt;
    return entry.principal;
  }

  void remember(const std::string& token, const Principal& principal) {
    auto moment = [&](const char* name, std::int64_t otherwise) {
      auto claim = principal.claims->find(name);
      return claim != principal.claims->end() && claim->is_number_integer()
                 ? claim->get<std::int64_t>()
                 : otherwise;
    };
    Entry entry{principal, moment("exp", 0), moment("nbf", 0)};
    std::lock_guard<std::mutex> lock(mutex);
    if (entries.size() >= kCapacity) entries.clear();  // crude, bounded, rarely hit
    entries.emplace(token, std::move(entry));
  }

  struct Entry {
    Principal principal;
    std::int64_t expires;
    std::int64_t not_before;
  };
  std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;
};

TokenService::TokenService(std::string secret, std::string issuer)
    : secret_(std::move(secret)),
      issuer_(std::move(issuer)),
      verified_(std::make_shared<VerifiedTokens>()) {}

Result<Principal> TokenService::authenticate(const std::optional<std::string>& authorization,
                                             std::int64_t now) const {
  if (!authorization) return Principal{};
  // The scheme is case-insensitive, then one or more spaces (RFC 9110, 11.4).
  const std::string& value = *authorization;
  constexpr std::size_t kScheme = 6;  // "Bearer"
  bool bearer = value.size() > kScheme + 1 && value[kScheme] == ' ' &&
                ::strncasecmp(value.c_str(), "Bearer", kScheme) == 0;
  if (!bearer) return invalid_token("Expected 'Authorization: Bearer <token>'.");
  std::size_t token = value.find_first_not_of(' ', kScheme);
  if (token == std::string::npos) return invalid_token("Expected 'Authorization: Bearer <token>'.");
  return verify(value.substr(token), now);
}

Result<Principal> TokenService::verify(const std::string& token, std::int64_t now) const {
  if (token.size() > kMaxTokenBytes || !is_valid_utf8(token))
    return invalid_token("Malformed token.");
  if (auto known = verified_->find(token, now)) return *known;
  jwt_t* raw = nullptr;
  int failed =
      jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret_.data()),
                 static_cast<int>(secret_.size()));
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (failed || !jwt || jwt_get_alg(jwt.get()) != JWT_ALG_HS256)
    return invalid_token("Invalid token signature.");
  char* grants = jwt_get_grants_json(jwt.get(), nullptr);
  if (!grants) return invalid_token("Malformed token.");
  auto claims = nlohmann::json::parse(grants, nullptr, false);
  std::free(grants);
  if (!claims.is_object()) return invalid_token("Malformed token.");
  if (auto error = check_claims(claims, issuer_, now)) return *error;
  Principal principal;
  principal.anonymous = false;
  principal.jti = claims["jti"].get<std::string>();
  if (auto audience = claims.find("aud"); audience != claims.end() && audience->is_string())
    principal.name = audience->get<std::string>();  // the token's name, for the access log
  for (const auto& permission : claims["permissions"])
    if (permission.is_string()) principal.permissions.insert(permission.get<std::string>());
  principal.claims = std::make_shared<const nlohmann::json>(std::move(claims));
  verified_->remember(token, principal);
  return principal;
}

Result<std::string> TokenService::create(const FieldMap& fields, std::int64_t now) const {
  const std::string* secret = first_text(fields, "secret");
  if (!secret || !same_secret(*secret, secret_))
    return token_form_error("secret", secret ? "Invalid secret." : "This field is required.");
  const std::string* name = first_text(fields, "name");
  if (!name || name->empty()) return token_form_error("name", "This field is required.");
  const std::string* description = first_text(fields, "description");
  std::int64_t nbf = now, exp = now + kDefaultLifetimeSeconds;
  for (auto [field, target] : {std::pair{"not_before_date", &nbf}, {"expiration_date", &exp}}) {
    const std::string* text = first_text(fields, field);
    if (!text || text->empty()) continue;
    auto minute = parse_date(*text);
    if (!minute) return token_form_error(field, "Not a valid datetime value.");
    *target = *minute * 60;
  }
  // libjwt's JSON library refuses NUL: a claim holding one would be signed away silently.
  auto unusable = [](const std::string& text) {
    return !is_valid_utf8(text) || text.find('\0') != std::string::npos;
  };
  if (unusable(*name)) return token_form_error("name", "Invalid UTF-8 or a NUL character.");
  if (description && unusable(*description))
    return token_form_error("description", "Invalid UTF-8 or a NUL character.");
  nlohmann::json permissions = nlohmann::json::array();
  if (auto it = fields.find("permission"); it != fields.end())
    for (const auto& value : it->second) {
      if (unusable(value.text))
        return token_form_error("permission", "Invalid UTF-8 or a NUL character.");
      if (!value.text.empty()) permissions.push_back(value.text);
    }
  nlohmann::json claims{
      {"iss", issuer_},    {"aud", *name}, {"sub", description ? *description : ""},
      {"nbf", nbf},        {"exp", exp},   {"iat", now},
      {"jti", new_uuid()}, {"version", 1}, {"permissions", permissions}};
  std::string token = sign(claims);
  if (token.empty()) return token_form_error("name", "The token could not be signed.");
  if (token.size() > kMaxTokenBytes)  // it would never authenticate
    return token_form_error("description", "Too long: the token would exceed 4 KiB.");
  return token;
}

std::string TokenService::sign(const nlohmann::json& claims) const {
  jwt_t* raw = nullptr;
  jwt_new(&raw);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (!jwt || jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret_.data()),
                  static_cast<int>(secret_.size())) != 0)
    return "";
  char* encoded = jwt_encode_str(jwt.get());
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  return token;
}

std::optional<Error> require_permission(const Principal& principal, const std::string& permission) {
  if (principal.anonymous)
    return field_error(ErrorKind::forbidden, "Authentication required", "token",
                       "This operation requires a token.");
  if (!principal.may(permission))
    return field_error(ErrorKind::forbidden, "Permission denied", "token",
                       "The token lacks the " + permission + " permission.");
  return std::nullopt;
}

}  // namespace incident
