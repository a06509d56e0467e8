// Token issuing and forging. Forging uses OpenSSL's HMAC so that tests can
// sign with a wrong secret or with expired claims; the server must refuse them.
#include "tokens.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>

namespace e2e {

namespace {

constexpr const char* kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace

Response request_token(const ApiClient& api, const TokenRequest& request) {
  Fields fields = {
      {"secret", request.secret}, {"name", request.name}, {"description", request.description}};
  for (const auto& permission : request.permissions) fields.emplace_back("permission", permission);
  if (!request.not_before_date.empty())
    fields.emplace_back("not_before_date", request.not_before_date);
  if (!request.expiration_date.empty())
    fields.emplace_back("expiration_date", request.expiration_date);
  return api.post_form("/api/token/create", fields);
}

std::string issue_token(const ApiClient& api, const TokenRequest& request) {
  Response response = request_token(api, request);
  nlohmann::json token = response.json();
  if (response.status != 200 || !token.is_string()) return "";
  return token.get<std::string>();
}

std::string base64url(const std::string& bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    if (rest == 2) out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::string base64url_decode(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const char* at = std::strchr(kAlphabet, c);
    if (c == '=' || at == nullptr) break;
    buffer = (buffer << 6) | static_cast<unsigned>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string forge_jwt(const nlohmann::json& payload, const std::string& secret,
                      const std::string& alg) {
  nlohmann::json header = {{"alg", alg}, {"typ", "JWT"}};
  std::string signing_input = base64url(header.dump()) + "." + base64url(payload.dump());
  if (alg == "none") return signing_input + ".";
  return signing_input + "." + base64url(hmac_sha256(secret, signing_input));
}

nlohmann::json jwt_claims(const std::string& token) {
  auto first = token.find('.');
  auto second = token.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return nlohmann::json();
  std::string payload = base64url_decode(token.substr(first + 1, second - first - 1));
  return nlohmann::json::parse(payload, nullptr, false);
}

}  // namespace e2e
