// Tokens: JWT HS256 signed with the application secret (libjwt), with the
// reference's claims; and who is calling, with which permissions.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/fields.hpp"
#include "domain/result.hpp"

namespace incident {

struct Principal {
  bool anonymous = true;
  std::string jti;
  std::string name;  // the name the token was created with
  std::set<std::string> permissions;
  /// The verified token's claims (null when anonymous); shared, as a
  /// principal is copied on every request.
  std::shared_ptr<const nlohmann::json> claims;

  bool may(const std::string& permission) const { return permissions.count(permission) > 0; }
};

class TokenService {
 public:
  TokenService(std::string secret, std::string issuer);

  /// Who sent a request with this Authorization header (none: anonymous).
  /// 401 naming `token` for anything but a valid, current token of ours.
  Result<Principal> authenticate(const std::optional<std::string>& authorization,
                                 std::int64_t now) const;

  /// POST /api/token/create: checks `secret` (constant time), then signs.
  Result<std::string> create(const FieldMap& fields, std::int64_t now) const;

 private:
  Result<Principal> verify(const std::string& token, std::int64_t now) const;
  /// The signed token; "" when libjwt refuses the claims.
  std::string sign(const nlohmann::json& claims) const;

  std::string secret_;
  std::string issuer_;
  /// Tokens already verified (signature and claims), so that a client's every
  /// request does not pay for the signature check and the claims' parsing again.
  struct VerifiedTokens;
  std::shared_ptr<VerifiedTokens> verified_;
};

/// 403 naming `token`: anonymous callers and tokens without `permission`.
std::optional<Error> require_permission(const Principal& principal, const std::string& permission);

}  // namespace incident
