// HMAC-SHA256 and base64 for Standard Webhooks signatures. The base64 decoder
// is our own because EVP_DecodeBlock skips spaces and cannot tell padding
// from data: a secret must decode to exactly one key, or be refused.
#include "webhooks/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace incident::webhooks {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";
constexpr std::size_t kSecretBytes = 32;

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard alphabet, padded to a multiple of 4, '=' only at the end, and the
// bits a short final group does not use all zero (one text per key).
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  std::string out;
  std::uint32_t bits = 0;
  int held = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int value = base64_value(text[i]);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out.push_back(static_cast<char>((bits >> held) & 0xFF));
    }
  }
  if ((bits & ((1u << held) - 1)) != 0) return std::nullopt;
  return out;
}

std::string sign_with_key(const std::string& key, std::string_view message_id,
                          std::int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(message_id.size() + body.size() + 22);
  content.append(message_id).append(".").append(std::to_string(timestamp)).append(".");
  content.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac,
           &mac_size) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(kVersion) + base64(mac, mac_size);
}

}  // namespace

std::string new_webhook_secret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("RAND_bytes failed: no webhook secret");
  std::string secret = std::string(kSecretPrefix) + base64(bytes, sizeof bytes);
  OPENSSL_cleanse(bytes, sizeof bytes);
  return secret;
}

std::optional<std::string> webhook_secret_key(std::string_view secret) {
  if (secret.substr(0, kSecretPrefix.size()) == kSecretPrefix)
    secret.remove_prefix(kSecretPrefix.size());
  auto key = base64_decode(secret);
  if (!key || key->empty()) return std::nullopt;
  return key;
}

std::string webhook_signature(std::string_view secret, std::string_view message_id,
                              std::int64_t timestamp, std::string_view body) {
  const auto key = webhook_secret_key(secret);
  if (!key) throw std::invalid_argument("not a webhook secret");
  return sign_with_key(*key, message_id, timestamp, body);
}

std::string webhook_signature_header(const std::vector<std::string>& secrets,
                                     std::string_view message_id, std::int64_t timestamp,
                                     std::string_view body) {
  std::string header;
  for (const auto& secret : secrets) {
    if (!header.empty()) header += ' ';
    header += webhook_signature(secret, message_id, timestamp, body);
  }
  return header;
}

bool verify_webhook_signature(std::string_view header, std::string_view secret,
                              std::string_view message_id, std::int64_t timestamp,
                              std::string_view body) {
  const auto key = webhook_secret_key(secret);
  if (!key) return false;
  const std::string expected = sign_with_key(*key, message_id, timestamp, body);
  bool found = false;
  while (!header.empty()) {
    const auto space = header.find(' ');
    const std::string_view entry = header.substr(0, space);
    // Every entry is compared, so the time taken does not say which matched.
    if (entry.size() == expected.size() &&
        CRYPTO_memcmp(entry.data(), expected.data(), expected.size()) == 0)
      found = true;
    header.remove_prefix(space == std::string_view::npos ? header.size() : space + 1);
  }
  return found;
}

}  // namespace incident::webhooks
