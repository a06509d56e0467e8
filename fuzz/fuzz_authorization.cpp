// Fuzzes the Authorization header path of TokenService (http/auth.hpp): bearer parsing,
// libjwt decoding, HS256 verification with a fixed secret and the claim checks.
// The first byte says what the rest of the input is:
//   0: the Authorization header as sent (seeds hold valid tokens of kSecret);
//   1: a claims JSON object, signed here with kSecret so that the claim checks are reached;
//   2: a token/create form; the token created must authenticate (a round trip).
#include <jwt.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/auth.hpp"
#include "http/body_parser.hpp"

namespace {

constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00Z
const std::string kSecret = "fuzz-secret";
const std::string kIssuer = "ProdManager";

// What every accepted token must satisfy: the claim rules of auth.cpp.
void check_accepted(const incident::Principal& principal) {
  if (principal.anonymous) return;
  FUZZ_CHECK(principal.claims != nullptr);
  const auto& claims = *principal.claims;
  FUZZ_CHECK(claims.is_object());
  FUZZ_CHECK(claims.value("iss", "") == kIssuer);
  FUZZ_CHECK(claims.at("exp").get<std::int64_t>() > kNow);
  FUZZ_CHECK(!claims.contains("nbf") || !claims["nbf"].is_number_integer() ||
             claims["nbf"].get<std::int64_t>() <= kNow);
  FUZZ_CHECK(claims.at("permissions").is_array());
  FUZZ_CHECK(claims.at("jti").get<std::string>() == principal.jti);
}

// An HS256 token of `claims` signed with kSecret; "" when libjwt refuses the JSON.
std::string sign(const std::string& claims) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return "";
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (jwt_add_grants_json(jwt.get(), claims.c_str()) != 0) return "";
  jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
              static_cast<int>(kSecret.size()));
  char* encoded = jwt_encode_str(jwt.get());
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  return token;
}

bool has_text(const incident::FieldMap& fields, const std::string& name) {
  auto it = fields.find(name);
  return it != fields.end() && !it->second.empty() && !it->second.front().text.empty();
}

// A token created from a form authenticates with the permissions asked for, unless the
// form moved its validity window or the token outgrew what verify() accepts.
void round_trip(const incident::TokenService& tokens, std::string_view form) {
  incident::FieldMap fields = incident::parse_urlencoded(form);
  fields["secret"] = {{kSecret, incident::FieldValue::Kind::text}};
  const auto token = tokens.create(fields, kNow);
  if (!token || has_text(fields, "not_before_date") || has_text(fields, "expiration_date") ||
      token->size() > 4096) {
    return;
  }
  const auto principal = tokens.authenticate("Bearer " + *token, kNow);
  FUZZ_CHECK(principal.ok());
  std::set<std::string> asked;
  for (const auto& value : fields["permission"])
    if (!value.text.empty()) asked.insert(value.text);
  FUZZ_CHECK(principal->permissions == asked);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const incident::TokenService tokens(kSecret, kIssuer);
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      if (const auto principal = tokens.authenticate(rest, kNow)) check_accepted(*principal);
      break;
    case 1:
      if (const auto principal = tokens.authenticate("Bearer " + sign(rest), kNow))
        check_accepted(*principal);
      break;
    case 2:
      round_trip(tokens, rest);
      break;
  }
  return 0;
}
